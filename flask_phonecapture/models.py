"""SQLAlchemy models on their own MetaData, every table prefixed ``phonecapture_``.

The host app's ``db.session`` works with these classes, while ``flask phonecapture
db upgrade`` manages only these tables (with their own Alembic version table).
Columns ending in ``_enc`` hold :mod:`flask_phonecapture.crypto` ciphertexts; no
column holds a phone number or a name in clear.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from decimal import Decimal

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, MetaData,
                        Numeric, String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def utcnow() -> datetime:
    """Naive UTC: the same on SQLite and PostgreSQL."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    metadata = metadata


class Contact(Base):
    __tablename__ = "phonecapture_contact"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    e164_enc: Mapped[str | None] = mapped_column(Text)
    national_enc: Mapped[str | None] = mapped_column(Text)
    international_enc: Mapped[str | None] = mapped_column(Text)
    blind_index: Mapped[str | None] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(2), default="")
    number_type: Mapped[str] = mapped_column(String(24), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | erased
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)

    submissions: Mapped[list["Submission"]] = relationship(back_populates="contact")


class ContactLock(Base):
    """What two simultaneous submissions of one number queue on (see ``contacts.lock_number``).

    One row per *slot*, the first 16 bits of the contact blind index: a slot covers many numbers,
    so the table holds at most 65 536 rows and says nothing the contact table does not. A
    submission writes its number's slot row first and holds it until its transaction ends; the
    blind index itself can't carry a unique index, since it is truncated so that different
    numbers share a value on purpose.
    """

    __tablename__ = "phonecapture_contact_lock"

    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    locked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Submission(Base):
    __tablename__ = "phonecapture_submission"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(ForeignKey("phonecapture_contact.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(64), index=True)
    form_version: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(24), default="pending_verification")
    name_enc: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8), default="")
    page_url: Mapped[str | None] = mapped_column(String(2048))
    referrer: Mapped[str | None] = mapped_column(String(2048))
    utm_source: Mapped[str | None] = mapped_column(String(255))
    utm_medium: Mapped[str | None] = mapped_column(String(255))
    utm_campaign: Mapped[str | None] = mapped_column(String(255))
    utm_term: Mapped[str | None] = mapped_column(String(255))
    utm_content: Mapped[str | None] = mapped_column(String(255))
    gclid: Mapped[str | None] = mapped_column(String(255))
    yclid: Mapped[str | None] = mapped_column(String(255))
    fbclid: Mapped[str | None] = mapped_column(String(255))
    first_touch: Mapped[dict | None] = mapped_column(JSON)
    ip_prefix: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)

    contact: Mapped[Contact] = relationship(back_populates="submissions")
    verification: Mapped["Verification"] = relationship(back_populates="submission", uselist=False)


class ConsentText(Base):
    """An exact consent wording as shown; immutable, addressed by its sha256."""

    __tablename__ = "phonecapture_consent_text"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the fields
    purpose: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="")
    body: Mapped[str] = mapped_column(Text)
    policy_url: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Consent(Base):
    """One purpose, one record: granted or refused, with the text version the visitor saw."""

    __tablename__ = "phonecapture_consent"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(ForeignKey("phonecapture_contact.id"), index=True)
    submission_id: Mapped[str | None] = mapped_column(ForeignKey("phonecapture_submission.id"))
    purpose: Mapped[str] = mapped_column(String(64))
    granted: Mapped[bool] = mapped_column(Boolean)
    text_version: Mapped[str] = mapped_column(ForeignKey("phonecapture_consent_text.id"))
    given_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ip_prefix: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    method: Mapped[str] = mapped_column(String(16), default="checkbox")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)  # SMS code proved the number
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_channel: Mapped[str | None] = mapped_column(String(16))

    # Relationships also tell the unit of work to insert parents first, in one flush.
    contact: Mapped[Contact] = relationship()
    submission: Mapped["Submission | None"] = relationship()


class Verification(Base):
    __tablename__ = "phonecapture_verification"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    submission_id: Mapped[str] = mapped_column(ForeignKey("phonecapture_submission.id"), unique=True)
    code_mac: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    sends: Mapped[int] = mapped_column(Integer, default=1)
    last_sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime)

    submission: Mapped[Submission] = relationship(back_populates="verification")


class Message(Base):
    """Outbox row: written with the business change, sent by a job that claims it."""

    __tablename__ = "phonecapture_message"
    __table_args__ = (Index("ix_phonecapture_message_status_not_before", "status", "not_before"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(ForeignKey("phonecapture_contact.id"), index=True)
    submission_id: Mapped[str | None] = mapped_column(ForeignKey("phonecapture_submission.id"))
    kind: Mapped[str] = mapped_column(String(16))          # otp | confirmation | followup | marketing
    template: Mapped[str] = mapped_column(String(64), default="")
    # The rendered text, encrypted; cleared once sent (an OTP body holds a live code).
    body_enc: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_id: Mapped[str | None] = mapped_column(String(128), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    not_before: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(255))
    # messaging: which sequence step made the row, the consent purpose it needs, its language
    sequence: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[int | None] = mapped_column(Integer)
    purpose: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="")

    contact: Mapped[Contact] = relationship()
    submission: Mapped["Submission | None"] = relationship()


class ErasureRequest(Base):
    """A visitor asking, on ``/privacy/erase``, to erase their number; an SMS code proves it.

    A request for a number we don't hold is stored the same way, without a contact and without
    an SMS, so the answer never tells who is a customer. ``blind_index`` (the number's truncated
    keyed hash, as on contacts) caps requests per number for both kinds alike.
    """

    __tablename__ = "phonecapture_erasure_request"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("phonecapture_contact.id"), index=True)
    blind_index: Mapped[str] = mapped_column(String(64), index=True)
    code_mac: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What the receipt shows once the number itself is gone: "+7 *** ***-**-89".
    masked: Mapped[str] = mapped_column(String(32), default="")


class Conversion(Base):
    """An order, sale, call or meeting the host app ties to a submission, for the source report.

    Holds no personal data: no number, no name; ``external_id`` (the host app's order number)
    is refused when it reads as a phone number (conversions.py). ``(kind, external_id)`` is
    unique, so recording the same order twice finds the first row; rows without an
    external_id are never merged. ``value`` needs a ``currency`` (ISO 4217); times are naive UTC.
    """

    __tablename__ = "phonecapture_conversion"
    __table_args__ = (UniqueConstraint("kind", "external_id"),
                      CheckConstraint("value IS NULL OR currency IS NOT NULL", name="value_needs_currency"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    submission_id: Mapped[str] = mapped_column(ForeignKey("phonecapture_submission.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    external_id: Mapped[str | None] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()


class EventCounter(Base):
    """Widget beacons, aggregated: no per-visitor rows exist."""

    __tablename__ = "phonecapture_event_counter"

    form_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(128), primary_key=True)
    event: Mapped[str] = mapped_column(String(24), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Suppression(Base):
    """Numbers that opted out of marketing (STOP by SMS, an unsubscribe link), by blind index;
    checked before every send. Erasure adds nothing here (messaging.inbound.forget says why)."""

    __tablename__ = "phonecapture_suppression"
    __table_args__ = (UniqueConstraint("blind_index", "scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    blind_index: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(16), default="marketing")  # marketing | all
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FormVersion(Base):
    """A form as a marketer saved it in the admin (formstore.py, admin_forms.py).

    Rows are only ever added: the newest row of a form is live; ``config`` None means "as in the
    app config" (back to ``PHONECAPTURE_FORMS``). ``number`` counts 1, 2, 3... per form and is the
    optimistic lock of the edit page: two saves on the same number can't both land (unique).
    ``spec_version`` is the ``FormSpec.version`` the row stood for when it was saved (what
    submissions record), ``config_version`` the app config's then. ``note`` says what changed and why, numbers scrubbed.
    """

    __tablename__ = "phonecapture_form_version"
    __table_args__ = (UniqueConstraint("form_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    form_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    config: Mapped[dict | None] = mapped_column(JSON)
    spec_version: Mapped[str] = mapped_column(String(16), default="")
    #: ``FormSpec.version`` of the app config's form when this was saved: the editor says when the
    #: config changed since (a deploy that the saved version still overrides).
    config_version: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(128), default="")
    note: Mapped[str] = mapped_column(String(500), default="")


class AuditRecord(Base):
    """Append-only and hash-chained: each row's hash covers the previous row's hash."""

    __tablename__ = "phonecapture_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(128), default="system")
    role: Mapped[str] = mapped_column(String(32), default="")
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(128), default="")
    reason: Mapped[str] = mapped_column(String(255), default="")
    origin: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64))


# -- messaging -----------------------------------------------------------------
class Receipt(Base):
    """A delivery receipt whose message was not known yet (it raced the send answer)."""

    __tablename__ = "phonecapture_receipt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(32))
    provider_id: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class KeywordEvent(Base):
    """An inbound STOP / START / HELP, by blind index (the number itself is never stored)."""

    __tablename__ = "phonecapture_keyword_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str | None] = mapped_column(String(32), index=True)
    blind_index: Mapped[str] = mapped_column(String(64), index=True)
    keyword: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Switch(Base):
    """A named breaker (sending paused, budget tripped, prefix blocked) that holds until ``until``."""

    __tablename__ = "phonecapture_switch"

    name: Mapped[str] = mapped_column(String(96), primary_key=True)
    until: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
