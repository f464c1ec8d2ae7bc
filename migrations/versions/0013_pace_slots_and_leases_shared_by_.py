"""pace slots and leases shared by processes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 08:53:44.077228
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    op.create_table(
        "pace_slots",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("next_free", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_pace_slots")),
    )


def downgrade() -> None:
    op.drop_table("pace_slots")
    op.drop_table("leases")
