"""Zoom calls that register and cancel many holders at once, with per-holder results.

``batch_registrants`` is all or nothing on Zoom: one host email (3027), one holder over
the 3-a-day registration limit, one invalid address, or a full meeting fails the whole
call. Those errors belong to single holders, so the batch is then retried one holder at
a time and each gets its own answer. Errors that concern everyone (Zoom down, the
account's quota, the meeting gone) are given to every holder of the batch as they are.

Batch registration exists only for scheduled meetings (type 2) and webinars (type 5);
other types, and single holders, use the per-registrant call (a LIGHT request, where the
batch is HEAVY).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub_zoom.api import ZoomClient
from hub_zoom.api.errors import (
    ZoomApiError,
    ZoomCapacityReached,
    ZoomDailyLimit,
    ZoomHostCannotRegister,
    ZoomNotFound,
    ZoomValidationError,
)
from hub_zoom.lifecycle.meeting_body import BATCHABLE_TYPES
from hub_zoom.lifecycle.meeting_rows import MeetingRow

MAX_BATCH = 30
MEETING_GONE_CODES = frozenset({3001, 1001})
"""Codes that mean the meeting itself is gone (deleted, or converted to the other kind)."""


@dataclass(frozen=True)
class CallResult:
    """Zoom's answer for one holder: a registrant, or the error that concerns them."""

    registrant_id: str | None = None
    join_url: str | None = None
    error: ZoomApiError | None = None


def meeting_gone(error: BaseException | None) -> bool:
    return isinstance(error, ZoomNotFound) and error.code in MEETING_GONE_CODES


def _per_holder(error: ZoomApiError) -> bool:
    """Errors caused by some holder of a batch, not by the batch as a whole."""
    if isinstance(error, ZoomDailyLimit):
        return error.scope == "registrant"
    if meeting_gone(error):
        return False
    return isinstance(
        error, (ZoomHostCannotRegister, ZoomCapacityReached, ZoomValidationError)
    ) or (error.status == 400 and error.code == 3000)


async def register(
    client: ZoomClient,
    meeting: MeetingRow,
    bodies: Sequence[dict[str, Any]],
    *,
    confirmation_email: bool | None = None,
) -> list[CallResult]:
    """Register every body (unique emails) on the meeting; one result per body, in order."""
    assert meeting.meeting_id is not None
    if len(bodies) > 1 and meeting.zoom_type in BATCHABLE_TYPES:
        try:
            answer = await _batch(client, meeting, bodies, confirmation_email)
        except ZoomApiError as exc:
            if not _per_holder(exc):
                return [CallResult(error=exc) for _ in bodies]
        else:
            by_email = {str(r.get("email", "")).lower(): r for r in answer}
            results: list[CallResult | None] = []
            for body in bodies:
                found = by_email.get(body["email"].lower())
                results.append(
                    CallResult(found.get("registrant_id"), found.get("join_url"))
                    if found and found.get("registrant_id")
                    else None
                )
            missing = [i for i, r in enumerate(results) if r is None]
            if missing:
                retried = await _one_by_one(client, meeting, [bodies[i] for i in missing])
                for index, result in zip(missing, retried, strict=True):
                    results[index] = result
            return [r for r in results if r is not None]
    return await _one_by_one(client, meeting, bodies)


async def _batch(
    client: ZoomClient,
    meeting: MeetingRow,
    bodies: Sequence[dict[str, Any]],
    confirmation_email: bool | None,
) -> list[dict[str, Any]]:
    assert meeting.meeting_id is not None
    if meeting.kind == "webinar":
        answer = await client.batch_webinar_registrants(
            meeting.meeting_id, bodies, auto_approve=True
        )
    else:
        answer = await client.batch_registrants(
            meeting.meeting_id,
            bodies,
            auto_approve=True,
            registrants_confirmation_email=confirmation_email,
        )
    return [dict(r) for r in answer]


async def _one_by_one(
    client: ZoomClient, meeting: MeetingRow, bodies: Sequence[dict[str, Any]]
) -> list[CallResult]:
    async def one(body: dict[str, Any]) -> CallResult:
        assert meeting.meeting_id is not None
        try:
            if meeting.kind == "webinar":
                created = await client.add_webinar_registrant(meeting.meeting_id, body)
            else:
                created = await client.add_registrant(meeting.meeting_id, body)
        except ZoomApiError as exc:
            return CallResult(error=exc)
        return CallResult(created.get("registrant_id"), created.get("join_url"))

    return list(await asyncio.gather(*(one(body) for body in bodies)))


def _registrant_gone(error: ZoomApiError) -> bool:
    """The registrant no longer exists on Zoom (3079, or 300 "Registrant does not exist")."""
    if isinstance(error, ZoomNotFound) and error.code == 3079:
        return True
    return isinstance(error, ZoomValidationError) and "does not exist" in error.message.lower()


async def cancel(
    client: ZoomClient, meeting: MeetingRow, refs: Sequence[dict[str, str]]
) -> list[ZoomApiError | None]:
    """Cancel registrants (``{"id", "email"}``); None per ref when it is cancelled or gone.

    A registrant that no longer exists, or a meeting that is gone, counts as cancelled:
    nobody can join with that registration any more.
    """
    assert meeting.meeting_id is not None
    try:
        await _status(client, meeting, refs)
        return [None for _ in refs]
    except ZoomApiError as exc:
        if meeting_gone(exc):
            return [None for _ in refs]
        if len(refs) == 1:
            return [None if _registrant_gone(exc) else exc]
        if not (_registrant_gone(exc) or isinstance(exc, ZoomDailyLimit | ZoomValidationError)):
            return [exc for _ in refs]

    async def one(ref: dict[str, str]) -> ZoomApiError | None:
        try:
            await _status(client, meeting, [ref])
        except ZoomApiError as exc:
            return None if meeting_gone(exc) or _registrant_gone(exc) else exc
        return None

    return list(await asyncio.gather(*(one(ref) for ref in refs)))


async def _status(client: ZoomClient, meeting: MeetingRow, refs: Sequence[dict[str, str]]) -> None:
    assert meeting.meeting_id is not None
    if meeting.kind == "webinar":
        await client.update_webinar_registrant_status(meeting.meeting_id, "cancel", refs)
    else:
        await client.update_registrant_status(meeting.meeting_id, "cancel", refs)
