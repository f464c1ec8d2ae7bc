"""deals and commissions: registrations, their name tokens, statement lines

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 05:57:52.028790
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('deals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('company_key', sa.String(length=200), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('amount', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('close_date', sa.Date(), nullable=False),
    sa.Column('product', sa.String(length=100), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('conflict_with_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('partner_answer', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extension_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extensions', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('won_amount', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conflict_with_id'], ['deals.id'], name=op.f('fk_deals_conflict_with_id_deals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'], name=op.f('fk_deals_decided_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_deals_lead_id_leads'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_deals_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['people.id'], name=op.f('fk_deals_registered_by_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deals')),
    sa.UniqueConstraint('registered_by_id', 'submission_key', name=op.f('uq_deals_registered_by_id'))
    )
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deals_domain'), ['domain'], unique=False)
        batch_op.create_index(batch_op.f('ix_deals_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deals_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index('ix_deals_partner_status', ['partner_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_deals_registered_by_id'), ['registered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deals_reminder_at'), ['reminder_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deals_status'), ['status'], unique=False)

    op.create_table('commission_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.String(length=100), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('amount', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('payout_date', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('disputed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispute_ticket', sa.String(length=20), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_commission_lines_deal_id_deals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_commission_lines_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_lines')),
    sa.UniqueConstraint('line_id', name=op.f('uq_commission_lines_line_id'))
    )
    with op.batch_alter_table('commission_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commission_lines_deal_id'), ['deal_id'], unique=False)
        batch_op.create_index('ix_commission_lines_partner_period', ['partner_id', 'period'], unique=False)
        batch_op.create_index(batch_op.f('ix_commission_lines_status'), ['status'], unique=False)

    op.create_table('deal_name_tokens',
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_deal_name_tokens_deal_id_deals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('deal_id', 'token', name=op.f('pk_deal_name_tokens'))
    )
    with op.batch_alter_table('deal_name_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_name_tokens_token'), ['token'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('deal_name_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_name_tokens_token'))

    op.drop_table('deal_name_tokens')
    with op.batch_alter_table('commission_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commission_lines_status'))
        batch_op.drop_index('ix_commission_lines_partner_period')
        batch_op.drop_index(batch_op.f('ix_commission_lines_deal_id'))

    op.drop_table('commission_lines')
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deals_status'))
        batch_op.drop_index(batch_op.f('ix_deals_reminder_at'))
        batch_op.drop_index(batch_op.f('ix_deals_registered_by_id'))
        batch_op.drop_index('ix_deals_partner_status')
        batch_op.drop_index(batch_op.f('ix_deals_lead_id'))
        batch_op.drop_index(batch_op.f('ix_deals_expires_at'))
        batch_op.drop_index(batch_op.f('ix_deals_domain'))

    op.drop_table('deals')

