"""The claim index in the claim's own order: (state, due_at, id).

Revision ID: hub_0003
Revises: hub_0002
Create Date: 2026-11-27

The claim takes pending deliveries ``ORDER BY due_at, id`` up to a limit. With the index
on (state, due_at) PostgreSQL sorted every due candidate before taking the first few, and
tested each for blockers first: at 6,000 pending a claim of 30 read 26,000 buffers
(about 20 ms). In this order the scan stops once the limit is reached.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "hub_0003"
down_revision: str | None = "hub_0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_hub_deliveries_claim_order", "hub_deliveries", ["state", "due_at", "id"])
    op.drop_index("ix_hub_deliveries_claim", table_name="hub_deliveries")


def downgrade() -> None:
    op.create_index("ix_hub_deliveries_claim", "hub_deliveries", ["state", "due_at"])
    op.drop_index("ix_hub_deliveries_claim_order", table_name="hub_deliveries")
