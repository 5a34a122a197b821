"""testvideo tables.

Revision ID: testvideo_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "testvideo_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "testvideo_effects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.UniqueConstraint("kind", "key"),
    )
    op.create_table(
        "testvideo_calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hook", sa.String(48), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("testvideo_calls")
    op.drop_table("testvideo_effects")
