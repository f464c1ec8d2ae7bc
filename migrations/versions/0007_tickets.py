"""tickets: support tickets and their history, each SLA due time an indexed column

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 04:09:46.569493
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('related', sa.String(length=100), nullable=True),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('repeat_of_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('first_response_kept', sa.Boolean(), nullable=True),
    sa.Column('resolution_kept', sa.Boolean(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_minutes', sa.Integer(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_reminder_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_reminder_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breach_check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirm_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['people.id'], name=op.f('fk_tickets_assignee_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['people.id'], name=op.f('fk_tickets_opened_by_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_tickets_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['repeat_of_id'], ['tickets.id'], name=op.f('fk_tickets_repeat_of_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('opened_by_id', 'submission_key', name=op.f('uq_tickets_opened_by_id'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_breach_check_at'), ['breach_check_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_confirm_due_at'), ['confirm_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_first_response_due_at'), ['first_response_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_first_response_reminder_at'), ['first_response_reminder_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_opened_by_id'), ['opened_by_id'], unique=False)
        batch_op.create_index('ix_tickets_partner_status', ['partner_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_resolution_due_at'), ['resolution_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_resolution_reminder_at'), ['resolution_reminder_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_status'), ['status'], unique=False)

    op.create_table('ticket_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_ticket_entries_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_entries_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_entries'))
    )
    with op.batch_alter_table('ticket_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_entries_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_entries_ticket_id'))

    op.drop_table('ticket_entries')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_status'))
        batch_op.drop_index(batch_op.f('ix_tickets_resolution_reminder_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_resolution_due_at'))
        batch_op.drop_index('ix_tickets_partner_status')
        batch_op.drop_index(batch_op.f('ix_tickets_opened_by_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_first_response_reminder_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_first_response_due_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_confirm_due_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_breach_check_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_assignee_id'))

    op.drop_table('tickets')
