"""form versions: forms edited by marketers in the admin, versioned

Revision ID: 0006
Revises: 0005

A form saved in /phonecapture/admin/forms is a new row; the newest row of a form is live (a row
without config means "back to PHONECAPTURE_FORMS"). Forms still exist only if the app config
defines them: the table changes forms, it never adds one. Existing data: nothing to convert (no
row = the app config, as before).
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phonecapture_form_version',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=True),
    sa.Column('spec_version', sa.String(length=16), nullable=False),
    sa.Column('config_version', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_form_version')),
    sa.UniqueConstraint('form_id', 'number', name=op.f('uq_phonecapture_form_version_form_id'))
    )


def downgrade():
    op.drop_table('phonecapture_form_version')
