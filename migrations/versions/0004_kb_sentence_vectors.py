"""knowledge base: stored sentence vectors of the sentence model

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('kb_sentence_vectors',
    sa.Column('model', sa.String(length=40), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('model', 'digest', name=op.f('pk_kb_sentence_vectors'))
    )


def downgrade() -> None:
    op.drop_table('kb_sentence_vectors')
