"""What a plugin sees of the hub.

:class:`HubContext` is handed to registration hooks (``hub_startup``, ``hub_routes``) and
lives as long as the process; :class:`DeliveryContext` is handed to every fact hook and
knows which delivery it serves. Plugins report what they created through these objects,
never by writing the hub's tables, so that every report is stored and fanned out in one
transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import Executable, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.budgets import BudgetShares
from hub.config.schema import HubConfig
from hub.errors import ConfigError
from hub.models import (
    AttendanceReport,
    Event,
    MeetingDetails,
    Recording,
    Registration,
    Ticket,
)
from hub.observability.logging import get_logger
from hub.pipeline import reports
from hub.pipeline.facts import utcnow
from hub.pipeline.group_commit import FactOp, StatementOp, group_commit
from hub.pipeline.routing import FactKind, targets
from hub.plugins.manager import PluginRegistry
from hub.security.secretbox import ENV_SECRET_KEY, SecretBox
from hub.storage import tables
from hub.storage.database import Database


@dataclass
class HubContext:
    """The running hub as plugins see it: config, database, secrets and reporting."""

    config: HubConfig
    db: Database
    registry: PluginRegistry
    secret_box_or_none: SecretBox | None = None
    wakers: list[Callable[[], None]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)  # per-plugin runtime objects
    # Outside budgets (a provider account's rate limits) shared with the other processes
    # on this database: ``budgets.join("zoom:<account>")`` gives this process's divisor.
    budgets: BudgetShares = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.budgets is None:
            self.budgets = BudgetShares(self.db)

    @property
    def log(self) -> Any:
        return get_logger("hub")

    def plugin_config(self, plugin: str) -> Any:
        """The plugin's validated ``[plugins.<name>]`` Struct (None if it takes none)."""
        return self.registry.settings.get(plugin)

    @property
    def secret_box(self) -> SecretBox:
        """Encryption for secrets at rest; a plugin that stores tokens needs it to start."""
        if self.secret_box_or_none is None:
            raise ConfigError(
                f"{ENV_SECRET_KEY} is not set: it is required to store provider tokens "
                "encrypted (generate one with `hub keygen`)"
            )
        return self.secret_box_or_none

    def _wake(self) -> None:
        for wake in self.wakers:
            wake()

    # --- queries ----------------------------------------------------------------------------

    async def get_event(self, event_id: str) -> Event | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(select(tables.events).where(tables.events.c.id == event_id))
            ).first()
        return msgspec.convert(row.body, Event, strict=False) if row else None

    async def event_status(self, event_id: str) -> str | None:
        async with self.db.connect() as conn:
            return (
                await conn.execute(
                    select(tables.events.c.status).where(tables.events.c.id == event_id)
                )
            ).scalar()

    async def get_ticket(self, event_id: str, ticket_id: str) -> tuple[Ticket | None, str | None]:
        """The ticket and its status ("sold" or "refunded"); (None, None) if unknown."""
        t = tables.tickets
        async with self.db.connect() as conn:
            row = (
                await conn.execute(select(t).where(t.c.event_id == event_id, t.c.id == ticket_id))
            ).first()
        if row is None:
            return None, None
        ticket = msgspec.convert(row.body, Ticket, strict=False) if row.body else None
        return ticket, row.status

    async def list_tickets(self, event_id: str, status: str | None = "sold") -> list[Ticket]:
        t = tables.tickets
        query = select(t.c.body).where(t.c.event_id == event_id).order_by(t.c.id)
        if status is not None:
            query = query.where(t.c.status == status)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [msgspec.convert(r.body, Ticket, strict=False) for r in rows if r.body]

    async def list_events(self, provider: str | None = None) -> list[Event]:
        query = select(tables.events.c.body).order_by(tables.events.c.id)
        if provider is not None:
            query = query.where(tables.events.c.provider == provider)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [msgspec.convert(r.body, Event, strict=False) for r in rows]

    # --- reports (usable outside deliveries too, e.g. by a reconcile command) ---------------

    async def _report(self, fn: Any, value: Any, origin: str) -> int | None:
        async with self.db.transaction() as conn:
            fact_id = await fn(conn, self.registry, value, origin)
        if fact_id is not None:
            self._wake()
        return fact_id

    async def report_meeting_details(self, details: MeetingDetails, origin: str) -> None:
        await self._report(reports.store_meeting_details, details, origin)

    async def report_registration(self, registration: Registration, origin: str) -> None:
        await self._report(reports.store_registration, registration, origin)

    async def report_registrations(self, registrations: list[Registration], origin: str) -> None:
        """Many registrations in one transaction (a batch call registered many at once).

        Stored with a constant number of statements however long the list (see
        :func:`reports.store_registrations`); the workers are woken only when something
        was announced, as for a single report.
        """
        if not registrations:
            return
        async with self.db.transaction() as conn:
            fact_ids = await reports.store_registrations(conn, self.registry, registrations, origin)
        if fact_ids:
            self._wake()

    async def report_attendance(self, report: AttendanceReport, origin: str) -> None:
        await self._report(reports.store_attendance, report, origin)

    async def report_recording(self, recording: Recording, origin: str) -> None:
        await self._report(reports.store_recording, recording, origin)

    async def ingest_webhook(
        self,
        *,
        provider: str,
        dedupe_key: str,
        event_type: str,
        payload: dict[str, Any],
        account_id: str | None = None,
        order_key: str | None = None,
        barrier: bool = False,
    ) -> bool:
        """Store a verified provider webhook durably; False if it was already stored.

        The provider's route calls this before answering the provider, so an acknowledged
        webhook is never lost; ``dedupe_key`` makes redeliveries and replays harmless.
        Webhooks sharing an ``order_key`` (e.g. one meeting) may run concurrently, except
        that a ``barrier`` webhook (e.g. "meeting ended") runs only after every earlier one
        with that key has finished, and later ones wait for it.
        """
        plugin = self.registry.provider_plugin(provider)
        webhook_targets = targets(self.registry, FactKind.WEBHOOK, provider_plugin=plugin)
        if barrier:
            webhook_targets = [dataclasses.replace(t, barrier=True) for t in webhook_targets]
        # Webhooks arrive in bursts: they share transactions with other ingest (group commit).
        fact_id = await group_commit(self.db).submit(
            FactOp(
                FactKind.WEBHOOK,
                fact_key=f"webhook:{provider}:{dedupe_key}"[:255],
                payload={
                    "provider": provider,
                    "event_type": event_type,
                    "payload": payload,
                    "account_id": account_id,
                    "received_at": utcnow().isoformat(),
                },
                targets=webhook_targets,
                event_id=f"{provider}-webhook:{order_key}"[:128] if order_key else None,
                origin=plugin,
            )
        )
        if fact_id is not None:
            self._wake()
        return fact_id is not None

    async def in_transaction(self, fn: Callable[[AsyncConnection], Any]) -> Any:
        async with self.db.transaction() as conn:
            return await fn(conn)

    async def write_grouped(
        self, statement: Executable, params: dict[str, Any] | None = None
    ) -> None:
        """Run one write whose result nobody reads, committed with whatever else is being
        stored at the moment (group commit); returns once it is committed.

        For the many small writes a busy plugin makes (a participant joined, a state
        changed): a transaction each would compete with ingest for the database's writer.
        Build the statement once and pass ``params``: concurrent writes of the same
        statement then run as one ``executemany``. Writes of one group are not ordered
        against each other. The statement must not fail on a replay (``ON CONFLICT DO
        NOTHING``): a failed statement costs its whole group a retry, one at a time.
        """
        await group_commit(self.db).submit(StatementOp(statement, params))


@dataclass
class DeliveryContext:
    """One delivery of one fact to one plugin; reports made here name that plugin."""

    hub: HubContext
    plugin: str
    delivery_id: int
    attempt: int
    hook: str

    @property
    def log(self) -> Any:
        return get_logger(self.plugin).bind(
            delivery_id=self.delivery_id, plugin=self.plugin, hook=self.hook
        )

    def config(self) -> Any:
        return self.hub.plugin_config(self.plugin)

    async def report_meeting_details(self, details: MeetingDetails) -> None:
        await self.hub.report_meeting_details(details, self.plugin)

    async def report_registration(self, registration: Registration) -> None:
        await self.hub.report_registration(registration, self.plugin)

    async def report_registrations(self, registrations: list[Registration]) -> None:
        await self.hub.report_registrations(registrations, self.plugin)

    async def report_attendance(self, report: AttendanceReport) -> None:
        await self.hub.report_attendance(report, self.plugin)

    async def report_recording(self, recording: Recording) -> None:
        await self.hub.report_recording(recording, self.plugin)


__all__ = ["DeliveryContext", "HubContext", "utcnow"]
