"""The Zoom plugin's first schema.

Revision ID: zoom_0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

from hub_zoom.storage import tables

revision: str = "zoom_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# Frozen at this revision: later schema changes get their own revision files, never edits
# to the tables used here.
CREATED = (
    "zoom_connections",
    "zoom_oauth_states",
    "zoom_meetings",
    "zoom_registrants",
    "zoom_participant_events",
    "zoom_recording_files",
)


def upgrade() -> None:
    bind = op.get_bind()
    for name in CREATED:
        tables.metadata.tables[name].create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(CREATED):
        tables.metadata.tables[name].drop(bind)
