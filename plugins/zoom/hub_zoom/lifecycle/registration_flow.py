"""Registering and cancelling holders: ledger first, then Zoom, then the hub's reports.

Every registration goes through :func:`run_registrations`, whether it comes from a ticket
delivery (coalesced by the per-meeting batcher), a reconcile or a resync:

1. ``pending`` rows for the whole batch are committed (the ledger knows a call may be out);
2. Zoom is called (batch, or one by one where Zoom needs that);
3. the rows settle (registered / skipped / failed; still pending when a retry is due) and
   the registrations are reported to the hub in one transaction.

Cancellations work the same way around the registrant status call.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hub.context import HubContext
from hub.models import Ticket
from hub_zoom.api.errors import (
    ZoomApiError,
    ZoomAuthError,
    ZoomHostCannotRegister,
    ZoomMissingScopes,
)
from hub_zoom.lifecycle import registration_calls
from hub_zoom.lifecycle.batcher import BatcherPool
from hub_zoom.lifecycle.meeting_body import MEETING_INSTANT
from hub_zoom.lifecycle.meeting_rows import MeetingRow
from hub_zoom.lifecycle.meeting_sync import mark_deleted
from hub_zoom.lifecycle.registrant_rows import RegistrantRow, write_many
from hub_zoom.service import PLUGIN, ZoomService, service

CUSTOM_ANSWER_MAX = 128  # Zoom's limit for a custom question's value
HOST_MESSAGE = (
    "the meeting's host cannot register for it (Zoom 3027); the host joins with the start link"
)
PANELIST_MESSAGE = "panelists join with their panelist link, not as registrants"
INSTANT_MESSAGE = "instant meetings take no registrations: join with the meeting's link"
MEETING_GONE_MESSAGE = (
    "the Zoom meeting was deleted or converted on Zoom; POST /api/v1/events/{event_id}/resync"
)
BULK_CONCURRENCY = 3


@dataclass(frozen=True, eq=False)
class Enrollment:
    """One holder to register on one meeting."""

    hub: HubContext
    meeting: MeetingRow
    ticket: Ticket
    confirmation_email: bool | None = None


@dataclass(frozen=True)
class Settled:
    """How one enrollment ended: ``retry`` (the delivery must retry) or ``permanent``."""

    row: RegistrantRow
    retry: ZoomApiError | None = None
    permanent: ZoomApiError | None = None


@dataclass(frozen=True, eq=False)
class Withdrawal:
    """One registration to cancel on Zoom."""

    hub: HubContext
    meeting: MeetingRow
    row: RegistrantRow


def registrant_body(ticket: Ticket) -> dict[str, Any]:
    """Zoom's registrant fields from a ticket; answers become custom questions."""
    body: dict[str, Any] = {"email": ticket.email, "first_name": ticket.first_name}
    if ticket.last_name:
        body["last_name"] = ticket.last_name
    for name in ("org", "job_title", "phone"):
        value = getattr(ticket, name)
        if value:
            body[name] = value
    if ticket.answers:
        body["custom_questions"] = [
            {"title": title, "value": value[:CUSTOM_ANSWER_MAX]}
            for title, value in ticket.answers.items()
        ]
    return body


def local_row(meeting: MeetingRow, ticket: Ticket, status: str, **fields: Any) -> RegistrantRow:
    return RegistrantRow(
        event_id=meeting.event_id,
        ticket_id=ticket.id,
        session_key=meeting.session_key,
        email=ticket.email,
        status=status,
        meeting_id=meeting.meeting_id,
        **fields,
    )


def local_decision(
    meeting: MeetingRow, ticket: Ticket, panelists: frozenset[str] = frozenset()
) -> RegistrantRow | None:
    """A holder Zoom would refuse, settled without a call (None: register on Zoom).

    Instant meetings take no registrations (the holder gets the meeting's link); the
    host cannot register for their own meeting (3027); a webinar's panelists have their
    own links.
    """
    email = ticket.email.lower()
    if meeting.zoom_type == MEETING_INSTANT:
        return local_row(
            meeting, ticket, "skipped", join_url=meeting.join_url, message=INSTANT_MESSAGE
        )
    if meeting.host_email and email == meeting.host_email.lower():
        return local_row(meeting, ticket, "skipped", message=HOST_MESSAGE)
    if meeting.kind == "webinar" and email in panelists:
        return local_row(meeting, ticket, "skipped", message=PANELIST_MESSAGE)
    return None


def split_holders(
    meeting: MeetingRow, tickets: Sequence[Ticket], panelists: frozenset[str] = frozenset()
) -> tuple[list[Ticket], list[RegistrantRow]]:
    """(holders to register on Zoom, rows settled locally)."""
    to_register: list[Ticket] = []
    settled: list[RegistrantRow] = []
    for ticket in tickets:
        decided = local_decision(meeting, ticket, panelists)
        if decided is None:
            to_register.append(ticket)
        else:
            settled.append(decided)
    return to_register, settled


def _invited_as_panelist(error: ZoomApiError) -> bool:
    """Zoom's 3000 "You have been invited as a panelist": a webinar panelist holds a ticket."""
    return error.code == 3000 and "panelist" in error.message.lower()


def _needs_retry(error: ZoomApiError) -> bool:
    return error.retryable or isinstance(error, (ZoomAuthError, ZoomMissingScopes))


async def run_registrations(items: list[Enrollment]) -> list[Settled]:
    """Register one batch of holders of one meeting (see the module docstring)."""
    hub, meeting = items[0].hub, items[0].meeting
    client = service(hub).client(meeting.connection_id)
    pending = [local_row(meeting, item.ticket, "pending") for item in items]
    await write_many(hub, pending)

    index: dict[str, int] = {}
    bodies: list[dict[str, Any]] = []
    for item in items:
        key = item.ticket.email.lower()
        if key not in index:
            index[key] = len(bodies)
            bodies.append(registrant_body(item.ticket))
    results = await registration_calls.register(
        client, meeting, bodies, confirmation_email=items[0].confirmation_email
    )

    settled: list[Settled] = []
    gone: ZoomApiError | None = None
    for item, row in zip(items, pending, strict=True):
        result = results[index[item.ticket.email.lower()]]
        error = result.error
        if error is None:
            new = row.but(
                status="registered", registrant_id=result.registrant_id, join_url=result.join_url
            )
            settled.append(Settled(new))
        elif isinstance(error, ZoomHostCannotRegister):
            settled.append(Settled(row.but(status="skipped", message=HOST_MESSAGE)))
        elif _invited_as_panelist(error):
            settled.append(Settled(row.but(status="skipped", message=PANELIST_MESSAGE)))
        elif registration_calls.meeting_gone(error):
            gone = error
            message = MEETING_GONE_MESSAGE.format(event_id=meeting.event_id)
            settled.append(Settled(row.but(status="failed", message=message)))
        elif _needs_retry(error):
            settled.append(Settled(row.but(message=str(error)[:500]), retry=error))
        else:
            failed = row.but(status="failed", message=error.message)
            settled.append(Settled(failed, permanent=error))
    final = [s.row for s in settled if s.row.status != "pending"]
    await write_many(hub, final)
    if gone is not None:
        await mark_deleted(hub, meeting, MEETING_GONE_MESSAGE.format(event_id=meeting.event_id))
    await hub.report_registrations([row.registration() for row in final], PLUGIN)
    return settled


def withdrawal_key(row: RegistrantRow) -> str:
    """One Zoom registrant per key: its id, or its email while the id is unknown."""
    return f"id:{row.registrant_id}" if row.registrant_id else f"email:{row.email.lower()}"


def withdrawal_ref(row: RegistrantRow) -> dict[str, str]:
    """Zoom's status call names a registrant by id or by email.

    A ``pending`` row has no id: its registration call may have reached Zoom while its
    answer never reached the ledger (the process died), so it is cancelled by email; Zoom
    answers "does not exist" when the call never got there, which counts as cancelled.
    """
    if row.registrant_id:
        return {"id": row.registrant_id, "email": row.email}
    return {"email": row.email}


async def run_withdrawals(items: list[Withdrawal]) -> list[ZoomApiError | None]:
    """Cancel one batch of registrants of one meeting; None per item once cancelled."""
    hub, meeting = items[0].hub, items[0].meeting
    client = service(hub).client(meeting.connection_id)
    index: dict[str, int] = {}
    refs: list[dict[str, str]] = []
    for item in items:
        key = withdrawal_key(item.row)
        if key not in index:
            index[key] = len(refs)
            refs.append(withdrawal_ref(item.row))
    errors = await registration_calls.cancel(client, meeting, refs)
    outcome = [errors[index[withdrawal_key(item.row)]] for item in items]
    done = [
        item.row.but(status="cancelled", message=None)
        for item, error in zip(items, outcome, strict=True)
        if error is None
    ]
    await write_many(hub, done)
    await hub.report_registrations([row.registration() for row in done], PLUGIN)
    return outcome


# --- per-process batchers ------------------------------------------------------------------

_pools: weakref.WeakKeyDictionary[
    ZoomService,
    tuple[BatcherPool[Enrollment, Settled], BatcherPool[Withdrawal, ZoomApiError | None]],
] = weakref.WeakKeyDictionary()


def _pools_of(
    hub: HubContext,
) -> tuple[BatcherPool[Enrollment, Settled], BatcherPool[Withdrawal, ZoomApiError | None]]:
    svc = service(hub)
    pools = _pools.get(svc)
    if pools is None:
        size, linger = svc.settings.batch_size, svc.settings.batch_linger_seconds
        pools = _pools[svc] = (BatcherPool(size, linger), BatcherPool(size, linger))
    return pools


def _key(meeting: MeetingRow) -> tuple[str, str]:
    return (meeting.connection_id, meeting.meeting_id or "")


async def enroll(item: Enrollment) -> Settled:
    """Register one holder, coalesced with the concurrent ones of the same meeting."""
    pool, _ = _pools_of(item.hub)
    return await pool.submit(_key(item.meeting), run_registrations, item)


async def withdraw(item: Withdrawal) -> ZoomApiError | None:
    """Cancel one registrant, coalesced with the concurrent ones of the same meeting."""
    _, pool = _pools_of(item.hub)
    return await pool.submit(_key(item.meeting), run_withdrawals, item)


Progress = Callable[[int], None]


async def _in_chunks(
    items: Sequence[Any], size: int, run: Any, progress: Progress | None
) -> list[Any]:
    """Run ``run`` over chunks of ``items``, a few chunks at a time, keeping the order."""
    chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
    gate = asyncio.Semaphore(BULK_CONCURRENCY)

    async def one(chunk: list[Any]) -> list[Any]:
        async with gate:
            result = await run(chunk)
        if progress is not None:
            progress(len(chunk))
        return result

    results = await asyncio.gather(*(one(chunk) for chunk in chunks))
    return [r for chunk in results for r in chunk]


async def enroll_many(
    hub: HubContext,
    meeting: MeetingRow,
    tickets: Sequence[Ticket],
    confirmation_email: bool | None = None,
    progress: Progress | None = None,
) -> list[Settled]:
    """Register many holders now (reconcile, resync), in batches of ``batch_size``."""
    size = service(hub).settings.batch_size
    items = [Enrollment(hub, meeting, ticket, confirmation_email) for ticket in tickets]
    return await _in_chunks(items, size, run_registrations, progress)


async def withdraw_many(
    hub: HubContext,
    meeting: MeetingRow,
    rows: Sequence[RegistrantRow],
    progress: Progress | None = None,
) -> list[ZoomApiError | None]:
    size = service(hub).settings.batch_size
    items = [Withdrawal(hub, meeting, row) for row in rows]
    return await _in_chunks(items, size, run_withdrawals, progress)
