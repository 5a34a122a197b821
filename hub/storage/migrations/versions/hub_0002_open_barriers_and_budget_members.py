"""A partial index on unfinished barrier deliveries; members of shared outside budgets.

Revision ID: hub_0002
Revises: hub_0001
Create Date: 2026-11-27

* ``ix_hub_deliveries_open_barriers``: the claim query asks, per candidate delivery,
  whether an unfinished barrier precedes it; this index holds only those few rows, so the
  answer costs one probe whatever the planner knows (PostgreSQL without statistics took
  seconds per claim on a 7,000-delivery backlog).
* ``hub_budget_members``: processes drawing on one provider account's rate limits
  (hub/budgets.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub_0002"
down_revision: str | None = "hub_0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_hub_deliveries_open_barriers",
        "hub_deliveries",
        ["plugin", "event_id", "id"],
        postgresql_where=sa.text("barrier IS true AND state IN ('pending', 'running')"),
        sqlite_where=sa.text("barrier = 1 AND state IN ('pending', 'running')"),
    )
    op.create_table(
        "hub_budget_members",
        sa.Column("budget", sa.String(128), primary_key=True),
        sa.Column("member", sa.String(96), primary_key=True),
        sa.Column("seen_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hub_budget_members")
    op.drop_index("ix_hub_deliveries_open_barriers", table_name="hub_deliveries")
