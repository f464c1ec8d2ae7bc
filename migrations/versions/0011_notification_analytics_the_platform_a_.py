"""notification analytics: the platform a push reached, and the actions taken

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 07:13:00.924016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('actions_taken',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_actions_taken_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_taken'))
    )
    with op.batch_alter_table('actions_taken', schema=None) as batch_op:
        batch_op.create_index('ix_actions_taken_person_at', ['person_id', 'at'], unique=False)

    # A plain ADD COLUMN: never a table rebuild on SQLite (ARCHITECTURE.md, migrations).
    op.add_column('outbox', sa.Column('delivered_on', sa.String(length=20), nullable=True))




def downgrade() -> None:

    op.drop_column('outbox', 'delivered_on')

    with op.batch_alter_table('actions_taken', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_taken_person_at')

    op.drop_table('actions_taken')

