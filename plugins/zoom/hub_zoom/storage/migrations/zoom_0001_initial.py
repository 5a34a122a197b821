"""The Zoom plugin's first schema.

Revision ID: zoom_0001
Revises:
Create Date: 2026-11-27

Written out table by table, not built from ``hub_zoom.storage.tables``: a revision must keep
creating the schema it created when it was written, whatever ``tables.py`` says later.
A later change to ``tables.py`` needs its own revision; the reliability suite's drift test
(tests/reliability/test_upgrades.py) fails until the two agree.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "zoom_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "zoom_connections",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("auth_type", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=True),
        sa.Column("token_sealed", sa.Text, nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("zoom_user_id", sa.String(128), nullable=True),
        sa.Column("zoom_user_email", sa.String(256), nullable=True),
        sa.Column("zoom_user_name", sa.String(256), nullable=True),
        sa.Column("scopes", sa.Text, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("refresh_lock_until", sa.Float, nullable=True),
        _ts("updated_at"),
    )
    op.create_table(
        "zoom_oauth_states",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("verifier_sealed", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("used_at", sa.Float, nullable=True),
    )
    op.create_table(
        "zoom_meetings",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("session_key", sa.String(128), primary_key=True),
        sa.Column("connection_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("meeting_id", sa.String(32), nullable=True),
        sa.Column("uuid", sa.String(128), nullable=True),
        sa.Column("host_id", sa.String(128), nullable=True),
        sa.Column("join_url", sa.Text, nullable=True),
        sa.Column("start_url_sealed", sa.Text, nullable=True),
        sa.Column("passcode", sa.String(32), nullable=True),
        sa.Column("registration_url", sa.Text, nullable=True),
        sa.Column("details", sa.JSON, nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_zoom_meetings_meeting_id", "zoom_meetings", ["meeting_id"])
    op.create_table(
        "zoom_registrants",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("ticket_id", sa.String(128), primary_key=True),
        sa.Column("session_key", sa.String(128), primary_key=True),
        sa.Column("meeting_id", sa.String(32), nullable=True),
        sa.Column("email", sa.String(256), nullable=False),
        sa.Column("registrant_id", sa.String(128), nullable=True),
        sa.Column("join_url", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        _ts("updated_at"),
    )
    op.create_index("ix_zoom_registrants_meeting", "zoom_registrants", ["meeting_id", "status"])
    op.create_index("ix_zoom_registrants_registrant", "zoom_registrants", ["registrant_id"])
    op.create_table(
        "zoom_participant_events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.String(32), nullable=False),
        sa.Column("meeting_uuid", sa.String(128), nullable=True),
        sa.Column("participant_key", sa.String(256), nullable=False),
        sa.Column("registrant_id", sa.String(128), nullable=True),
        sa.Column("email", sa.String(256), nullable=True),
        sa.Column("name", sa.String(256), nullable=True),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "meeting_id", "participant_key", "action", "at", name="uq_zoom_pe_dedupe"
        ),
    )
    op.create_index("ix_zoom_pe_meeting", "zoom_participant_events", ["meeting_id"])
    op.create_table(
        "zoom_recording_files",
        sa.Column("file_id", sa.String(128), primary_key=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("meeting_id", sa.String(32), nullable=False),
        sa.Column("meeting_uuid", sa.String(128), nullable=True),
        sa.Column("file_type", sa.String(32), nullable=True),
        sa.Column("file_extension", sa.String(16), nullable=True),
        sa.Column("file_size", sa.BigInteger, nullable=True),
        sa.Column("download_url", sa.Text, nullable=True),
        sa.Column("play_url", sa.Text, nullable=True),
        sa.Column("download_token_sealed", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("updated_at"),
    )
    op.create_index("ix_zoom_recording_files_event", "zoom_recording_files", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_zoom_recording_files_event", table_name="zoom_recording_files")
    op.drop_table("zoom_recording_files")
    op.drop_index("ix_zoom_pe_meeting", table_name="zoom_participant_events")
    op.drop_table("zoom_participant_events")
    op.drop_index("ix_zoom_registrants_registrant", table_name="zoom_registrants")
    op.drop_index("ix_zoom_registrants_meeting", table_name="zoom_registrants")
    op.drop_table("zoom_registrants")
    op.drop_index("ix_zoom_meetings_meeting_id", table_name="zoom_meetings")
    op.drop_table("zoom_meetings")
    op.drop_table("zoom_oauth_states")
    op.drop_table("zoom_connections")
