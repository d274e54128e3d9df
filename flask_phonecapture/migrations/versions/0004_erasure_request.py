"""erasure requests: self-service erasure of a number (/privacy/erase)

Revision ID: 0004
Revises: 0003

A visitor types their number, gets an SMS code, and the number is erased (privacy.py). Each
request is a row, including requests for numbers we don't hold (no contact, no SMS), so the
page answers the same either way; the blind index caps requests per number. The receipt keeps
only the masked number. Existing data: nothing to convert.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phonecapture_erasure_request',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=True),
    sa.Column('blind_index', sa.String(length=64), nullable=False),
    sa.Column('code_mac', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.Column('masked', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['phonecapture_contact.id'],
                            name=op.f('fk_phonecapture_erasure_request_contact_id_phonecapture_contact')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_erasure_request'))
    )
    with op.batch_alter_table('phonecapture_erasure_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phonecapture_erasure_request_blind_index'), ['blind_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_phonecapture_erasure_request_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_phonecapture_erasure_request_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('phonecapture_erasure_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phonecapture_erasure_request_created_at'))
        batch_op.drop_index(batch_op.f('ix_phonecapture_erasure_request_contact_id'))
        batch_op.drop_index(batch_op.f('ix_phonecapture_erasure_request_blind_index'))
    op.drop_table('phonecapture_erasure_request')
