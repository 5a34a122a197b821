"""Ticketing stub tables: event pages, their meetings and recordings, and sent emails.

Revision ID: ticketing_stub_0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ticketing_stub_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "ticketing_stub_events",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("starts_at", sa.String(40), nullable=True),
        sa.Column("duration_minutes", sa.Integer, nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("sessions", sa.JSON, nullable=False),
        _ts("updated_at"),
    )
    op.create_table(
        "ticketing_stub_meetings",
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
    op.create_table(
        "ticketing_stub_recordings",
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
    op.create_table(
        "ticketing_stub_emails",
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
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("to_email", sa.String(254), nullable=False),
        sa.Column("to_name", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("join_url", sa.Text, nullable=True),
        _ts("created_at"),
        sa.UniqueConstraint("dedupe_key", name="uq_ticketing_stub_emails_dedupe_key"),
    )
    op.create_index(
        "ix_ticketing_stub_emails_event_ticket",
        "ticketing_stub_emails",
        ["event_id", "ticket_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_ticketing_stub_emails_event_ticket", table_name="ticketing_stub_emails")
    op.drop_table("ticketing_stub_emails")
    op.drop_table("ticketing_stub_recordings")
    op.drop_table("ticketing_stub_meetings")
    op.drop_table("ticketing_stub_events")
