"""The hub's own tables (plugins keep theirs, named ``<plugin>_*``, in their own metadata).

Facts are immutable records of what happened; deliveries are the per-plugin jobs a fact
fans out to. ``fact_key`` is unique, which is what makes ingest idempotent: a retried or
duplicated request finds its fact already stored and adds nothing.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

Id = BigInteger().with_variant(Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


events = Table(
    "hub_events",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("provider", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # published | cancelled
    Column("body", JSON, nullable=False),
    Column("body_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    _ts("created_at"),
    _ts("updated_at"),
)

tickets = Table(
    "hub_tickets",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("status", String(16), nullable=False),  # sold | refunded
    Column("body", JSON, nullable=False),
    Column("body_hash", String(64), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
)

facts = Table(
    "hub_facts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(48), nullable=False),
    Column("fact_key", String(255), nullable=False),
    Column("event_id", String(128), nullable=True),
    Column("ticket_id", String(128), nullable=True),
    Column("origin", String(64), nullable=True),  # plugin that reported it; None for ingest
    Column("payload", JSON, nullable=False),
    _ts("created_at"),
    UniqueConstraint("fact_key", name="uq_hub_facts_fact_key"),
)

deliveries = Table(
    "hub_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("fact_id", Id, nullable=False),
    Column("plugin", String(64), nullable=False),
    Column("hook", String(48), nullable=False),
    Column("event_id", String(128), nullable=True),
    Column("ticket_id", String(128), nullable=True),
    Column("barrier", Boolean, nullable=False, default=False),
    Column("state", String(12), nullable=False),  # pending | running | done | dead
    Column("attempts", Integer, nullable=False, default=0),
    _ts("due_at"),
    _ts("lease_until", nullable=True),
    Column("worker", String(64), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("error_kind", String(16), nullable=True),  # retry | transient | permanent | timeout
    _ts("created_at"),
    _ts("updated_at"),
    _ts("finished_at", nullable=True),
    Index("ix_hub_deliveries_claim_order", "state", "due_at", "id"),
    Index("ix_hub_deliveries_event_order", "plugin", "event_id", "state", "id"),
    Index("ix_hub_deliveries_event_barrier", "plugin", "event_id", "barrier", "state", "id"),
    Index("ix_hub_deliveries_ticket_order", "plugin", "event_id", "ticket_id", "state", "id"),
    Index("ix_hub_deliveries_fact", "fact_id"),
    # Unfinished barriers only (a handful of rows): every claim asks, for each candidate,
    # whether one precedes it. Without it PostgreSQL, lacking statistics (a new table, no
    # autovacuum), walked a wider index per candidate: seconds per claim at 7,000 pending.
    Index(
        "ix_hub_deliveries_open_barriers",
        "plugin",
        "event_id",
        "id",
        postgresql_where=text("barrier IS true AND state IN ('pending', 'running')"),
        sqlite_where=text("barrier = 1 AND state IN ('pending', 'running')"),
    ),
)

meetings = Table(
    "hub_meetings",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("session_key", String(128), primary_key=True),  # "" for the event itself
    Column("provider", String(64), nullable=False),
    Column("details", JSON, nullable=False),
    _ts("updated_at"),
)

registrations = Table(
    "hub_registrations",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("ticket_id", String(128), primary_key=True),
    Column("session_key", String(128), primary_key=True),
    Column("provider", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("details", JSON, nullable=False),
    _ts("updated_at"),
)

attendance_reports = Table(
    "hub_attendance_reports",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("provider", String(64), nullable=False),
    Column("final", Boolean, nullable=False),
    Column("report", JSON, nullable=False),
    _ts("updated_at"),
)

recordings = Table(
    "hub_recordings",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("meeting_id", String(64), primary_key=True),
    Column("provider", String(64), nullable=False),
    Column("recording", JSON, nullable=False),
    _ts("updated_at"),
)


budget_members = Table(
    "hub_budget_members",
    metadata,
    # Which processes draw on an outside budget (a provider account's rate limits), so
    # each takes its share: hub/budgets.py.
    Column("budget", String(128), primary_key=True),
    Column("member", String(96), primary_key=True),
    Column("seen_at", Float, nullable=False),  # Unix time of the member's last refresh
)
