"""Public HTTP routes of the CRM stub: its contacts, as JSON.

Handlers close over the :class:`HubContext` handed to ``hub_routes`` for database access.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Router, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from hub.context import HubContext
from hub_crm_stub.contacts import Contact, load_contact, load_contacts

MAX_OFFSET = 2**63 - 1  # SQL OFFSET is a 64-bit integer on PostgreSQL

PREFIX = "/crm-stub"


def build_routes(hub: HubContext) -> list[Router]:
    """The stub's routes bound to one running hub."""

    @get("/contacts", summary="CRM contacts")
    async def list_contacts(
        email: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=10_000)] = 1000,
        offset: Annotated[int, Parameter(ge=0, le=MAX_OFFSET)] = 0,
    ) -> list[Contact]:
        """Contacts ordered by address, with their tickets and attendance
        (``?email=`` finds one person, case-insensitively)."""
        return await load_contacts(hub.db, email=email, limit=limit, offset=offset)

    @get("/contacts/{email:str}", summary="One CRM contact")
    async def show_contact(email: str) -> Contact:
        """One contact by email address."""
        contact = await load_contact(hub.db, email)
        if contact is None:
            raise NotFoundException(f"no contact {email!r}")
        return contact

    return [Router(path=PREFIX, route_handlers=[list_contacts, show_contact], tags=["crm-stub"])]
