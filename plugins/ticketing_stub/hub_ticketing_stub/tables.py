"""The ticketing stub's own tables, kept apart from the hub's and named ``ticketing_stub_*``.

The plugin never writes the hub's tables: what it shows comes only from the facts it is
delivered, exactly as a real ticketing platform would only know what the hub sent it.
The Alembic revisions in ``migrations/`` create the same tables; this module describes them
for SQLAlchemy Core queries.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.storage.database import Database

metadata = sa.MetaData()


def _ts(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


# What the page says about the event itself, from the hub's copy of it at delivery time.
events = sa.Table(
    "ticketing_stub_events",
    metadata,
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("starts_at", sa.String(40), nullable=True),  # as published, with its offset
    sa.Column("duration_minutes", sa.Integer, nullable=True),
    sa.Column("timezone", sa.String(64), nullable=True),
    sa.Column("sessions", sa.JSON, nullable=False),  # [{id, title, starts_at, duration_minutes}]
    _ts("updated_at"),
)

# One row per meeting: session_key is "" for the event's own meeting, else the session id.
# ``delivery_id`` orders reports: deliveries of meeting details are not ordered among
# themselves, so an older report arriving late must not overwrite a newer one.
meetings = sa.Table(
    "ticketing_stub_meetings",
    metadata,
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("session_key", sa.String(128), primary_key=True),
    sa.Column("provider", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("meeting_id", sa.String(128), nullable=False),
    sa.Column("join_url", sa.Text, nullable=True),
    sa.Column("passcode", sa.String(64), nullable=True),
    sa.Column("dial_in", sa.JSON, nullable=False),
    sa.Column("registration_url", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("delivery_id", sa.BigInteger, nullable=False),
    _ts("updated_at"),
)

recordings = sa.Table(
    "ticketing_stub_recordings",
    metadata,
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("meeting_id", sa.String(128), primary_key=True),
    sa.Column("session_key", sa.String(128), nullable=False),
    sa.Column("provider", sa.String(64), nullable=False),
    sa.Column("share_url", sa.Text, nullable=True),
    sa.Column("passcode", sa.String(64), nullable=True),
    sa.Column("files", sa.JSON, nullable=False),
    sa.Column("delivery_id", sa.BigInteger, nullable=False),
    _ts("updated_at"),
)

# The outbox of emails the platform "sent". ``dedupe_key`` is a hash of (event, ticket,
# session, status, join link, recipient): a redelivered registration maps to the same key
# and the unique constraint turns the second insert into a no-op.
emails = sa.Table(
    "ticketing_stub_emails",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("dedupe_key", sa.String(64), nullable=False),
    sa.Column("event_id", sa.String(128), nullable=False),
    sa.Column("ticket_id", sa.String(128), nullable=False),
    sa.Column("session_key", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # confirmation | cancellation
    sa.Column("status", sa.String(16), nullable=False),  # the registration status
    sa.Column("to_email", sa.String(254), nullable=False),
    sa.Column("to_name", sa.String(200), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("join_url", sa.Text, nullable=True),
    _ts("created_at"),
    sa.UniqueConstraint("dedupe_key", name="uq_ticketing_stub_emails_dedupe_key"),
    sa.Index("ix_ticketing_stub_emails_event_ticket", "event_id", "ticket_id"),
)


def upsert(db: Database, table: sa.Table) -> Any:
    """An INSERT that supports ``on_conflict_do_update``/``_do_nothing`` on either backend.

    Both SQLite and PostgreSQL speak ``INSERT ... ON CONFLICT``; SQLAlchemy only exposes it
    through each dialect's own ``insert``, so the database picks which one.
    """
    if db.is_postgres:
        return postgresql.insert(table)
    if db.is_sqlite:
        return sqlite.insert(table)
    raise RuntimeError(f"ticketing_stub supports SQLite and PostgreSQL, not {db.dialect}")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
