"""program health: credentials with their reminders, tier reviews, daily health snapshots, announcements

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 06:54:46.308684
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('segment', sa.Text(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_digest'), ['digest'], unique=False)

    op.create_table('health_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_health_snapshots_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_snapshots')),
    sa.UniqueConstraint('partner_id', 'day', name=op.f('uq_health_snapshots_partner_id'))
    )
    with op.batch_alter_table('health_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_snapshots_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_snapshots_partner_id'), ['partner_id'], unique=False)

    op.create_table('tier_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('advancement_told', sa.String(length=20), nullable=True),
    sa.Column('risk_told', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_tier_reviews_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_reviews')),
    sa.UniqueConstraint('partner_id', name=op.f('uq_tier_reviews_partner_id'))
    )
    op.create_table('credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('holder', sa.String(length=254), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('reminded', sa.JSON(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_credentials_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_credentials_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credentials')),
    sa.UniqueConstraint('partner_id', 'category', 'kind', 'holder', name=op.f('uq_credentials_partner_id'))
    )
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credentials_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_credentials_partner_id'), ['partner_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credentials_partner_id'))
        batch_op.drop_index(batch_op.f('ix_credentials_due_at'))

    op.drop_table('credentials')
    op.drop_table('tier_reviews')
    with op.batch_alter_table('health_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_snapshots_partner_id'))
        batch_op.drop_index(batch_op.f('ix_health_snapshots_day'))

    op.drop_table('health_snapshots')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcements_digest'))

    op.drop_table('announcements')

