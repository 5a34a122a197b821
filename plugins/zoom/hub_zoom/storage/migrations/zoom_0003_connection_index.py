"""Attendance: the participant rows of an instance, in connection order, from an index.

Revision ID: zoom_0003
Revises: zoom_0002
Create Date: 2026-11-27

The attendance report streams an instance's join and leave rows ordered by connection
(``meeting_uuid, participant_key, at``, then ``id``) and pairs each connection as soon as
its rows are in (``hub_zoom.attendance.stream``). Without an index in that order the
database sorts every row of the instance first (200,000 for a 50,000-seat webinar) before
the first one is returned. ``id`` ends the index so PostgreSQL returns the rows in the
query's full order (SQLite keeps the row id in every index entry anyway).
Written with explicit ``op.*`` calls, like every revision.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "zoom_0003"
down_revision: str | None = "zoom_0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_zoom_pe_connection",
        "zoom_participant_events",
        ["meeting_uuid", "participant_key", "at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_zoom_pe_connection", table_name="zoom_participant_events")
