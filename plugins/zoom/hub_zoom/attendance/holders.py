"""Ticket holders and their registrants, read lean for reports of large events.

The report of a 50,000-seat webinar matches every connection against every sold ticket.
:meth:`HubContext.list_tickets` decodes each stored body twice (the database driver's JSON,
then a conversion to :class:`Ticket`); here each body is read as text and decoded into a
``Ticket`` in one step, and registrants are read as the three columns the matching uses.
"""

from __future__ import annotations

from typing import NamedTuple

import msgspec
from sqlalchemy import Text, cast, select

from hub.context import HubContext
from hub.models import Ticket
from hub.storage import tables as hub_tables
from hub_zoom.storage import tables

_EMPTY = frozenset({"", "{}", "null"})


async def sold_tickets(hub: HubContext, event_id: str) -> list[Ticket]:
    """What ``hub.list_tickets(event_id)`` returns: sold tickets by id."""
    t = hub_tables.tickets
    query = (
        select(cast(t.c.body, Text))
        .where(t.c.event_id == event_id, t.c.status == "sold")
        .order_by(t.c.id)
    )
    async with hub.db.connect() as conn:
        bodies = (await conn.execute(query)).scalars().all()
    decode = msgspec.json.Decoder(Ticket, strict=False).decode
    return [decode(body) for body in bodies if body and body not in _EMPTY]


class RegistrantKey(NamedTuple):
    """What ticket matching reads of a registrant.

    A plain tuple: the matcher reads each field of 50,000 of them, and a field of a
    database row costs ten times a tuple's.
    """

    ticket_id: str
    registrant_id: str | None
    email: str


async def registrant_keys(hub: HubContext, event_id: str) -> list[RegistrantKey]:
    """``ticket_id``, ``registrant_id`` and ``email`` of the event's registrants."""
    r = tables.registrants
    query = select(r.c.ticket_id, r.c.registrant_id, r.c.email).where(r.c.event_id == event_id)
    async with hub.db.connect() as conn:
        rows = (await conn.execute(query)).all()
    return list(map(RegistrantKey._make, rows))
