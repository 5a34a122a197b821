"""The hub's first schema: events, tickets, facts, deliveries and provider results.

Revision ID: hub_0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "hub_events",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "hub_tickets",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "hub_facts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("fact_key", sa.String(255), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=True),
        sa.Column("ticket_id", sa.String(128), nullable=True),
        sa.Column("origin", sa.String(64), nullable=True),
        sa.Column("payload", sa.JSON, nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("fact_key", name="uq_hub_facts_fact_key"),
    )
    op.create_table(
        "hub_deliveries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("fact_id", Id, nullable=False),
        sa.Column("plugin", sa.String(64), nullable=False),
        sa.Column("hook", sa.String(48), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=True),
        sa.Column("ticket_id", sa.String(128), nullable=True),
        sa.Column("barrier", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _ts("due_at"),
        _ts("lease_until", nullable=True),
        sa.Column("worker", sa.String(64), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("error_kind", sa.String(16), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("finished_at", nullable=True),
    )
    op.create_index("ix_hub_deliveries_claim", "hub_deliveries", ["state", "due_at"])
    op.create_index(
        "ix_hub_deliveries_event_order", "hub_deliveries", ["plugin", "event_id", "state", "id"]
    )
    op.create_index(
        "ix_hub_deliveries_event_barrier",
        "hub_deliveries",
        ["plugin", "event_id", "barrier", "state", "id"],
    )
    op.create_index(
        "ix_hub_deliveries_ticket_order",
        "hub_deliveries",
        ["plugin", "event_id", "ticket_id", "state", "id"],
    )
    op.create_index("ix_hub_deliveries_fact", "hub_deliveries", ["fact_id"])
    op.create_table(
        "hub_meetings",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("session_key", sa.String(128), primary_key=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        _ts("updated_at"),
    )
    op.create_table(
        "hub_registrations",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("ticket_id", sa.String(128), primary_key=True),
        sa.Column("session_key", sa.String(128), primary_key=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        _ts("updated_at"),
    )
    op.create_table(
        "hub_attendance_reports",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        _ts("updated_at"),
    )
    op.create_table(
        "hub_recordings",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("meeting_id", sa.String(64), primary_key=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("recording", sa.JSON, nullable=False),
        _ts("updated_at"),
    )


def downgrade() -> None:
    for table in (
        "hub_recordings",
        "hub_attendance_reports",
        "hub_registrations",
        "hub_meetings",
        "hub_deliveries",
        "hub_facts",
        "hub_tickets",
        "hub_events",
    ):
        op.drop_table(table)
