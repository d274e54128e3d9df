"""initial tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 11:37:08.475460
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phonecapture_audit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('origin', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_audit'))
    )
    op.create_table('phonecapture_consent_text',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('policy_url', sa.String(length=2048), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_consent_text'))
    )
    op.create_table('phonecapture_contact',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('e164_enc', sa.Text(), nullable=True),
    sa.Column('national_enc', sa.Text(), nullable=True),
    sa.Column('international_enc', sa.Text(), nullable=True),
    sa.Column('blind_index', sa.String(length=64), nullable=True),
    sa.Column('region', sa.String(length=2), nullable=False),
    sa.Column('number_type', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_contact'))
    )
    with op.batch_alter_table('phonecapture_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phonecapture_contact_blind_index'), ['blind_index'], unique=False)

    op.create_table('phonecapture_event_counter',
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=128), nullable=False),
    sa.Column('event', sa.String(length=24), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('form_id', 'day', 'source', 'event', name=op.f('pk_phonecapture_event_counter'))
    )
    op.create_table('phonecapture_suppression',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('blind_index', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_suppression')),
    sa.UniqueConstraint('blind_index', 'scope', name=op.f('uq_phonecapture_suppression_blind_index'))
    )
    with op.batch_alter_table('phonecapture_suppression', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phonecapture_suppression_blind_index'), ['blind_index'], unique=False)

    op.create_table('phonecapture_submission',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('form_version', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('name_enc', sa.Text(), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('page_url', sa.String(length=2048), nullable=True),
    sa.Column('referrer', sa.String(length=2048), nullable=True),
    sa.Column('utm_source', sa.String(length=255), nullable=True),
    sa.Column('utm_medium', sa.String(length=255), nullable=True),
    sa.Column('utm_campaign', sa.String(length=255), nullable=True),
    sa.Column('utm_term', sa.String(length=255), nullable=True),
    sa.Column('utm_content', sa.String(length=255), nullable=True),
    sa.Column('gclid', sa.String(length=255), nullable=True),
    sa.Column('yclid', sa.String(length=255), nullable=True),
    sa.Column('fbclid', sa.String(length=255), nullable=True),
    sa.Column('first_touch', sa.JSON(), nullable=True),
    sa.Column('ip_prefix', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['phonecapture_contact.id'], name=op.f('fk_phonecapture_submission_contact_id_phonecapture_contact')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_submission'))
    )
    with op.batch_alter_table('phonecapture_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phonecapture_submission_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_phonecapture_submission_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_phonecapture_submission_form_id'), ['form_id'], unique=False)

    op.create_table('phonecapture_consent',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('submission_id', sa.String(length=32), nullable=True),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('text_version', sa.String(length=64), nullable=False),
    sa.Column('given_at', sa.DateTime(), nullable=False),
    sa.Column('ip_prefix', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_channel', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['phonecapture_contact.id'], name=op.f('fk_phonecapture_consent_contact_id_phonecapture_contact')),
    sa.ForeignKeyConstraint(['submission_id'], ['phonecapture_submission.id'], name=op.f('fk_phonecapture_consent_submission_id_phonecapture_submission')),
    sa.ForeignKeyConstraint(['text_version'], ['phonecapture_consent_text.id'], name=op.f('fk_phonecapture_consent_text_version_phonecapture_consent_text')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_consent'))
    )
    with op.batch_alter_table('phonecapture_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phonecapture_consent_contact_id'), ['contact_id'], unique=False)

    op.create_table('phonecapture_message',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('submission_id', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('body_enc', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=True),
    sa.Column('provider_id', sa.String(length=128), nullable=True),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('not_before', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['phonecapture_contact.id'], name=op.f('fk_phonecapture_message_contact_id_phonecapture_contact')),
    sa.ForeignKeyConstraint(['submission_id'], ['phonecapture_submission.id'], name=op.f('fk_phonecapture_message_submission_id_phonecapture_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_message')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_phonecapture_message_idempotency_key'))
    )
    with op.batch_alter_table('phonecapture_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phonecapture_message_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_phonecapture_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_phonecapture_message_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('ix_phonecapture_message_status_not_before', ['status', 'not_before'], unique=False)

    op.create_table('phonecapture_verification',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('code_mac', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('sends', sa.Integer(), nullable=False),
    sa.Column('last_sent_at', sa.DateTime(), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['submission_id'], ['phonecapture_submission.id'], name=op.f('fk_phonecapture_verification_submission_id_phonecapture_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phonecapture_verification')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_phonecapture_verification_submission_id'))
    )


def downgrade():
    op.drop_table('phonecapture_verification')
    with op.batch_alter_table('phonecapture_message', schema=None) as batch_op:
        batch_op.drop_index('ix_phonecapture_message_status_not_before')
        batch_op.drop_index(batch_op.f('ix_phonecapture_message_provider_id'))
        batch_op.drop_index(batch_op.f('ix_phonecapture_message_created_at'))
        batch_op.drop_index(batch_op.f('ix_phonecapture_message_contact_id'))

    op.drop_table('phonecapture_message')
    with op.batch_alter_table('phonecapture_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phonecapture_consent_contact_id'))

    op.drop_table('phonecapture_consent')
    with op.batch_alter_table('phonecapture_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phonecapture_submission_form_id'))
        batch_op.drop_index(batch_op.f('ix_phonecapture_submission_created_at'))
        batch_op.drop_index(batch_op.f('ix_phonecapture_submission_contact_id'))

    op.drop_table('phonecapture_submission')
    with op.batch_alter_table('phonecapture_suppression', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phonecapture_suppression_blind_index'))

    op.drop_table('phonecapture_suppression')
    op.drop_table('phonecapture_event_counter')
    with op.batch_alter_table('phonecapture_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phonecapture_contact_blind_index'))

    op.drop_table('phonecapture_contact')
    op.drop_table('phonecapture_consent_text')
    op.drop_table('phonecapture_audit')
