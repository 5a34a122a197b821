"""What a ticket delivery reads first, read once for every delivery of the event waiting.

Every ticket delivery starts by reading its event's meeting rows and its ticket's ledger
rows. During a flash sale the worker starts dozens of deliveries of one event at once,
and those two reads per holder (each its own connection and statement) were a large
share of the hub's CPU. Deliveries instead ask :class:`TicketReads`: the deliveries of
one event that ask before the read starts share it (one connection, one query for the
meetings, one for all their tickets' rows).

Nothing is cached: a read always starts after every one of its callers asked, so each
sees the meetings as they are when it asks, exactly as with a read of its own; a meeting
created, replaced or deleted just before (by this process or another) is seen.
"""

from __future__ import annotations

import asyncio
import dataclasses
import weakref
from dataclasses import dataclass, field

from hub.context import HubContext
from hub_zoom.lifecycle import meeting_rows, registrant_rows
from hub_zoom.lifecycle.meeting_rows import MeetingRow
from hub_zoom.lifecycle.registrant_rows import RegistrantRow
from hub_zoom.service import ZoomService, service

Meetings = dict[str, MeetingRow]
Ledger = dict[str, dict[str, RegistrantRow]]


@dataclass(frozen=True)
class TicketView:
    """One ticket's starting point: its event's meeting rows and its own ledger rows."""

    meetings: Meetings  # session key -> row; this caller's own copies
    registrants: dict[str, RegistrantRow]  # session key -> row


@dataclass(eq=False)
class _Read:
    """One upcoming read of one event; callers join it until it starts."""

    future: asyncio.Future[tuple[Meetings, Ledger]]
    tickets: set[str] = field(default_factory=set)


class TicketReads:
    """Coalesces the starting reads of concurrent ticket deliveries, per event."""

    def __init__(self) -> None:
        self._upcoming: dict[str, _Read] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def view(self, hub: HubContext, event_id: str, ticket_id: str) -> TicketView:
        """The event's meetings and the ticket's rows, read after this call began."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Another event loop (a test's, a CLI command's) left it: start afresh here.
            self._loop, self._upcoming, self._tasks = loop, {}, set()
        read = self._upcoming.get(event_id)
        if read is None:
            read = self._upcoming[event_id] = _Read(loop.create_future())
            task = loop.create_task(self._run(hub, event_id, read), name="zoom-ticket-reads")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        read.tickets.add(ticket_id)
        # Shielded: a caller that gives up (its delivery timed out) leaves the read to the rest.
        meetings, ledger = await asyncio.shield(read.future)
        return TicketView(
            {key: _own_copy(row) for key, row in meetings.items()}, ledger.get(ticket_id, {})
        )

    async def _run(self, hub: HubContext, event_id: str, read: _Read) -> None:
        # From here on, new callers need a read that starts after they asked: the next one.
        if self._upcoming.get(event_id) is read:
            del self._upcoming[event_id]
        try:
            async with hub.db.connect() as conn:
                meetings = await meeting_rows.read_rows(conn, event_id)
                ledger = await registrant_rows.read_rows_of_tickets(conn, event_id, read.tickets)
        except asyncio.CancelledError:
            read.future.cancel()
            raise
        except Exception as exc:
            if not read.future.done():
                read.future.set_exception(exc)
            return
        if not read.future.done():
            read.future.set_result((meetings, ledger))


def _own_copy(row: MeetingRow) -> MeetingRow:
    """Meeting rows are updated in place (``set_status``): callers must not share one."""
    return dataclasses.replace(row, details=dict(row.details))


_readers: weakref.WeakKeyDictionary[ZoomService, TicketReads] = weakref.WeakKeyDictionary()


def ticket_reads(hub: HubContext) -> TicketReads:
    """The process's reader for the plugin's service (deliveries must share it to coalesce)."""
    svc = service(hub)
    reader = _readers.get(svc)
    if reader is None:
        reader = _readers[svc] = TicketReads()
    return reader
