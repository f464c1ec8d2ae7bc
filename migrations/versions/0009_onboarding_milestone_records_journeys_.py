"""onboarding: milestone records, journeys with their daily check, pending CAM alerts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 06:29:42.515568
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f('ix_partners_joined_on'), 'partners', ['joined_on'], unique=False)

    op.create_table('milestone_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('milestone', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=True),
    sa.Column('at', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('person_email', sa.String(length=254), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_milestone_records_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone_records')),
    sa.UniqueConstraint('partner_id', 'milestone', name=op.f('uq_milestone_records_partner_id'))
    )
    with op.batch_alter_table('milestone_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_records_partner_id'), ['partner_id'], unique=False)

    op.create_table('onboarding_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('milestone', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('days_late', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=40), nullable=True),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_onboarding_alerts_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_alerts'))
    )
    with op.batch_alter_table('onboarding_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_alerts_sent'), ['sent'], unique=False)

    op.create_table('onboarding_journeys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('nudged', sa.JSON(), nullable=False),
    sa.Column('snoozed', sa.JSON(), nullable=False),
    sa.Column('alerted', sa.JSON(), nullable=False),
    sa.Column('last_nudge_on', sa.Date(), nullable=True),
    sa.Column('review_sent', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_onboarding_journeys_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_journeys')),
    sa.UniqueConstraint('partner_id', name=op.f('uq_onboarding_journeys_partner_id'))
    )
    with op.batch_alter_table('onboarding_journeys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_journeys_check_at'), ['check_at'], unique=False)




def downgrade() -> None:
    op.drop_index(op.f('ix_partners_joined_on'), table_name='partners')

    with op.batch_alter_table('onboarding_journeys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_journeys_check_at'))

    op.drop_table('onboarding_journeys')
    with op.batch_alter_table('onboarding_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_alerts_sent'))

    op.drop_table('onboarding_alerts')
    with op.batch_alter_table('milestone_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_records_partner_id'))

    op.drop_table('milestone_records')

