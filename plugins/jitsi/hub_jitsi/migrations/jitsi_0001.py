"""Jitsi provider tables.

Revision ID: jitsi_0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "jitsi_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jitsi_rooms",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("session_key", sa.String(128), primary_key=True),
        sa.Column("room", sa.String(128), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_table(
        "jitsi_registrations",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("ticket_id", sa.String(128), primary_key=True),
        sa.Column("email", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_table(
        "jitsi_presence",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("room", sa.String(128), nullable=False),
        sa.Column("ticket_id", sa.String(128), nullable=True),
        sa.Column("email", sa.String(256), nullable=True),
        sa.Column("name", sa.String(256), nullable=True),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("room", "email", "action", "at", name="uq_jitsi_presence"),
    )


def downgrade() -> None:
    op.drop_table("jitsi_presence")
    op.drop_table("jitsi_registrations")
    op.drop_table("jitsi_rooms")
