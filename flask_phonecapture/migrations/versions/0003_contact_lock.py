"""contact lock slots: one contact and one pending submission per number under concurrency

Revision ID: 0003
Revises: 0002

Two simultaneous identical submissions (a double click reaching two workers) both looked the
number up, found nothing and inserted: two contacts, two submissions, two SMS. A unique index
can't forbid that: ``phonecapture_contact.blind_index`` is truncated on purpose
(``PHONECAPTURE_BLIND_INDEX_BITS``), so different numbers legitimately share a value, and a
full-length hash would undo that design. Nor can a pending submission be unique per form and
contact: an old one stays pending when the cooldown has passed and the visitor submits again.

So this adds ``phonecapture_contact_lock``: one row per slot (the first 16 bits of the blind
index, at most 65 536 rows, nothing in it the contact table does not already say). A submission
writes its number's slot row before looking the number up and holds it until it commits
(``contacts.lock_number``); the second request waits, then finds the first one's contact and
pending submission and answers with it. Rows are created on first use; the table starts empty.

Existing data: nothing to convert, and nothing for this migration to refuse. Contacts that a
past race duplicated are left as they are, because telling them apart from numbers that merely
share a blind index takes the encryption keys, which the database (and a migration) must not
need, and merging them would rewrite the contact of consent records that are evidence. From
this revision on, a lookup returns the oldest of them (``ORDER BY created_at, id``), so every
new submission, pending-duplicate check and hourly cap uses that one; the newer duplicates keep
their own history and get nothing new (a STOP still reaches them all: suppression is by blind
index). A tool that erases a number must look for every active contact of that number.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phonecapture_contact_lock',
    sa.Column('slot', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('locked_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('slot', name=op.f('pk_phonecapture_contact_lock'))
    )


def downgrade():
    op.drop_table('phonecapture_contact_lock')
