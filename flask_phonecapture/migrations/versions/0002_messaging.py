"""messaging: sequence columns on the outbox, early receipts, keyword events, switches

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('phonecapture_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('purpose', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('phonecapture_message', schema=None) as batch_op:
        batch_op.alter_column('locale', server_default=None)

    op.create_table('phonecapture_receipt',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('provider_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.String(length=64), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_receipt'))
    )
    with op.batch_alter_table('phonecapture_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phonecapture_receipt_provider_id'), ['provider_id'], unique=False)

    op.create_table('phonecapture_keyword_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=True),
    sa.Column('blind_index', sa.String(length=64), nullable=False),
    sa.Column('keyword', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_keyword_event'))
    )
    with op.batch_alter_table('phonecapture_keyword_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phonecapture_keyword_event_blind_index'), ['blind_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_phonecapture_keyword_event_contact_id'), ['contact_id'], unique=False)

    op.create_table('phonecapture_switch',
    sa.Column('name', sa.String(length=96), nullable=False),
    sa.Column('until', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_phonecapture_switch'))
    )


def downgrade():
    op.drop_table('phonecapture_switch')
    with op.batch_alter_table('phonecapture_keyword_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phonecapture_keyword_event_contact_id'))
        batch_op.drop_index(batch_op.f('ix_phonecapture_keyword_event_blind_index'))
    op.drop_table('phonecapture_keyword_event')
    with op.batch_alter_table('phonecapture_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phonecapture_receipt_provider_id'))
    op.drop_table('phonecapture_receipt')
    with op.batch_alter_table('phonecapture_message', schema=None) as batch_op:
        batch_op.drop_column('locale')
        batch_op.drop_column('purpose')
        batch_op.drop_column('step')
        batch_op.drop_column('sequence')
