"""link attempts near a live code

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 09:12:01.592433
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("link_attempts", sa.Column("near_code_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_link_attempts_near_code_id"), "link_attempts", ["near_code_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_link_attempts_near_code_id"), table_name="link_attempts")
    op.drop_column("link_attempts", "near_code_id")
