"""CRM stub tables: contacts, the tickets they hold, and their attendance.

Revision ID: crm_stub_0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "crm_stub_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "crm_stub_contacts",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("first_name", sa.String(64), nullable=False),
        sa.Column("last_name", sa.String(64), nullable=False),
        sa.Column("org", sa.String(256), nullable=True),
        sa.Column("job_title", sa.String(256), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "crm_stub_tickets",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("ticket_id", sa.String(128), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("event_title", sa.String(200), nullable=True),
        sa.Column("event_starts_at", sa.String(40), nullable=True),
        _ts("sold_at"),
        _ts("refunded_at", nullable=True),
        _ts("updated_at"),
    )
    op.create_index("ix_crm_stub_tickets_email", "crm_stub_tickets", ["email"])
    op.create_table(
        "crm_stub_attendance_reports",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("event_title", sa.String(200), nullable=True),
        sa.Column("delivery_id", sa.BigInteger, nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("unmatched", sa.Integer, nullable=False),
        _ts("received_at"),
    )
    op.create_table(
        "crm_stub_attendance",
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
    )
    op.create_index("ix_crm_stub_attendance_event", "crm_stub_attendance", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_crm_stub_attendance_event", table_name="crm_stub_attendance")
    op.drop_table("crm_stub_attendance")
    op.drop_table("crm_stub_attendance_reports")
    op.drop_index("ix_crm_stub_tickets_email", table_name="crm_stub_tickets")
    op.drop_table("crm_stub_tickets")
    op.drop_table("crm_stub_contacts")
