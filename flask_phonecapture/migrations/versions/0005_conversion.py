"""conversions: orders, sales, calls tied to a submission, for the source report

Revision ID: 0005
Revises: 0004

A conversion holds no personal data (no number, no name): the submission it belongs to, a kind,
an optional value with its ISO 4217 currency, the host app's id for it (unique per kind, which
makes recording idempotent) and when it happened. Existing data: nothing to convert.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phonecapture_conversion',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('external_id', sa.String(length=128), nullable=True),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('value IS NULL OR currency IS NOT NULL',
                       name=op.f('ck_phonecapture_conversion_value_needs_currency')),
    sa.ForeignKeyConstraint(['submission_id'], ['phonecapture_submission.id'],
                            name=op.f('fk_phonecapture_conversion_submission_id_phonecapture_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_conversion')),
    sa.UniqueConstraint('kind', 'external_id', name=op.f('uq_phonecapture_conversion_kind'))
    )
    with op.batch_alter_table('phonecapture_conversion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phonecapture_conversion_submission_id'), ['submission_id'], unique=False)


def downgrade():
    with op.batch_alter_table('phonecapture_conversion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phonecapture_conversion_submission_id'))
    op.drop_table('phonecapture_conversion')
