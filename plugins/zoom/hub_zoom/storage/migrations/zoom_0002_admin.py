"""Admin page: the latest webhook receipts and where an authorization returns to.

Revision ID: zoom_0002
Revises: zoom_0001
Create Date: 2026-11-27

``zoom_webhook_receipts`` keeps the latest ``endpoint.url_validation``, the latest accepted
delivery and the latest refused one, so the admin card can show whether Zoom reaches the
hub. ``zoom_oauth_states.return_to`` sends a browser that started the authorization from
the admin page back there. Written with explicit ``op.*`` calls, like every revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "zoom_0002"
down_revision: str | None = "zoom_0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "zoom_webhook_receipts",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("event_type", sa.String(128), nullable=True),
        sa.Column("account_id", sa.String(128), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("zoom_oauth_states") as batch:
        batch.add_column(sa.Column("return_to", sa.String(256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("zoom_oauth_states") as batch:
        batch.drop_column("return_to")
    op.drop_table("zoom_webhook_receipts")
