"""The CRM stub's own tables, named ``crm_stub_*``.

Contacts are keyed by their lower-cased email address, as CRMs de-duplicate people. The
tickets a contact holds, and their attendance per event (and per session), live in tables
of their own so that a ticket can move to another contact when its holder changes.
The Alembic revisions in ``migrations/`` create the same tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.storage.database import Database

metadata = sa.MetaData()


def _ts(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


contacts = sa.Table(
    "crm_stub_contacts",
    metadata,
    sa.Column("email", sa.String(254), primary_key=True),  # lower-cased
    sa.Column("first_name", sa.String(64), nullable=False),
    sa.Column("last_name", sa.String(64), nullable=False),
    sa.Column("org", sa.String(256), nullable=True),
    sa.Column("job_title", sa.String(256), nullable=True),
    sa.Column("phone", sa.String(32), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
)

tickets = sa.Table(
    "crm_stub_tickets",
    metadata,
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("ticket_id", sa.String(128), primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # sold | refunded
    sa.Column("event_title", sa.String(200), nullable=True),
    sa.Column("event_starts_at", sa.String(40), nullable=True),
    _ts("sold_at"),
    _ts("refunded_at", nullable=True),
    _ts("updated_at"),
    sa.Index("ix_crm_stub_tickets_email", "email"),
)

# One row per event: which delivery's report the attendance rows come from. Attendance
# deliveries are not ordered among themselves; the newest report (highest delivery id)
# wins and an older one arriving late is ignored.
attendance_reports = sa.Table(
    "crm_stub_attendance_reports",
    metadata,
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("provider", sa.String(64), nullable=False),
    sa.Column("event_title", sa.String(200), nullable=True),
    sa.Column("delivery_id", sa.BigInteger, nullable=False),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("unmatched", sa.Integer, nullable=False),  # records without any email
    _ts("received_at"),
)

# session_key is "" for the whole event, else the session id.
attendance = sa.Table(
    "crm_stub_attendance",
    metadata,
    sa.Column("email", sa.String(254), primary_key=True),
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("session_key", sa.String(128), primary_key=True),
    sa.Column("ticket_id", sa.String(128), nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("attended", sa.Boolean, nullable=False),
    sa.Column("minutes", sa.Float, nullable=False),
    _ts("first_join", nullable=True),
    _ts("last_leave", nullable=True),
    sa.Column("sessions_count", sa.Integer, nullable=False),
    sa.Column("guest", sa.Boolean, nullable=False),
    sa.Column("poll_answers", sa.JSON, nullable=False),
    sa.Column("questions", sa.JSON, nullable=False),
    sa.Index("ix_crm_stub_attendance_event", "event_id"),
)


def upsert(db: Database, table: sa.Table) -> Any:
    """An INSERT that supports ``on_conflict_do_update``/``_do_nothing`` on either backend
    (race-free on PostgreSQL, where concurrent deliveries may touch the same contact)."""
    if db.is_postgres:
        return postgresql.insert(table)
    if db.is_sqlite:
        return sqlite.insert(table)
    raise RuntimeError(f"crm_stub supports SQLite and PostgreSQL, not {db.dialect}")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_utc(value: datetime | None) -> datetime | None:
    """Store instants in UTC: SQLite keeps no offset, so a local time would shift."""
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """Read back an instant stored by :func:`to_utc` (SQLite returns it zone-less)."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
