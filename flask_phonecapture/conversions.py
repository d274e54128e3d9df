"""Conversions: an order, sale, call or meeting the host app ties to a lead, for the source report.

``record_conversion`` takes a submission id; ``record_conversion_for_phone`` takes the number a
shop order carries and finds the submission itself (the attribution rule is in its docstring).
A conversion row holds no personal data: the number is used for the lookup and dropped, never
stored or logged, and an ``external_id`` that reads as a phone number is refused (not scrubbed:
a scrubbed id would be ``[phone]`` for every such order, and the second would be taken for a
repeat of the first).

Recording is idempotent by ``(kind, external_id)``: the same order recorded twice, even at the same
instant from two processes, gives one row, and the second call returns it unchanged. Both functions
commit and send ``conversion_recorded`` for a new row only.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

import phonenumbers
from flask import current_app
from sqlalchemy import case, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from .contacts import find_id_by_e164
from .models import Conversion, Submission, new_id, utcnow
from .netutil import scrub
from .phone import PhoneError, parse_phone
from .signals import conversion_recorded

#: a kind is a short machine word: order, sale, call, meeting, or your own
KIND = re.compile(r"[a-z0-9_]{1,32}")
EXTERNAL_ID_MAX = 128
_ID = re.compile(r"[0-9a-f]{32}")  # models.new_id
#: Numeric(14, 2): twelve digits before the point
VALUE_MAX = Decimal(10) ** 12
_conversions = Conversion.__table__
_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class ConversionError(ValueError):
    """A conversion that can't be recorded; the message says which argument and why (never a number)."""


@dataclass(frozen=True)
class _Checked:
    kind: str
    value: Decimal | None
    currency: str | None
    external_id: str | None
    occurred_at: datetime  # naive UTC


def check(state, kind="order", value=None, currency=None, external_id=None, occurred_at=None) -> _Checked:
    """The arguments made ready to store, or a :class:`ConversionError` naming the first wrong one."""
    if not isinstance(kind, str) or not KIND.fullmatch(kind):
        raise ConversionError("kind must be 1 to 32 characters of a-z, 0-9 and _ (e.g. order, sale, call, meeting)")
    amount = _value(value)
    code = _currency(currency)
    if amount is not None and code is None:
        raise ConversionError("a value needs its currency (an ISO 4217 code such as RUB or USD)")
    if amount is None and code is not None:
        raise ConversionError("currency is given without a value")
    regions = sorted({f.default_region for f in state.forms.values()} or {"RU"})
    return _Checked(kind, amount, code, _external_id(external_id, regions), _when(occurred_at))


def _value(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ConversionError("value must be a number such as 1990.00")
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ConversionError("value must be a number such as 1990.00") from None
    if not amount.is_finite():
        raise ConversionError("value must be a finite number")
    if amount < 0:
        raise ConversionError("value must not be negative (record a refund in your own books)")
    if amount >= VALUE_MAX:  # first: quantizing 1E+100 to cents is itself an InvalidOperation
        raise ConversionError("value must be less than 1,000,000,000,000")
    if amount != amount.quantize(Decimal("0.01")):
        raise ConversionError("value must have at most 2 digits after the point")
    return amount.quantize(Decimal("0.01"))


def _currency(currency) -> str | None:
    if currency is None:
        return None
    from babel.numbers import is_currency

    code = currency.strip().upper() if isinstance(currency, str) else ""
    # XXX (no currency) and XTS (reserved for tests) are ISO codes, but no sale is made in them
    if not re.fullmatch(r"[A-Z]{3}", code) or code in ("XXX", "XTS") or not is_currency(code):
        raise ConversionError("currency must be an ISO 4217 code such as RUB, USD or EUR")
    return code


def _external_id(external_id, regions: list[str]) -> str | None:
    if external_id is None:
        return None
    if not isinstance(external_id, str) or not external_id.strip():
        raise ConversionError("external_id must be a non-empty string (your order number)")
    # NFKC: the same order number typed with full-width digits or a compatibility form ("１７",
    # "Ａ-17") is one id, not a second conversion. Case is kept: some shops' ids are case-sensitive.
    text = unicodedata.normalize("NFKC", external_id).strip()
    if len(text) > EXTERNAL_ID_MAX:
        raise ConversionError(f"external_id must be at most {EXTERNAL_ID_MAX} characters")
    if not text.isprintable():
        raise ConversionError("external_id must not contain control characters")
    # netutil.scrub's reading of a number, in each region a form of this site assumes
    if any(scrub(text, EXTERNAL_ID_MAX, region) != text for region in regions):
        raise ConversionError("external_id looks like a phone number; use your order's own number, "
                              "not the customer's phone")
    return text


def _when(occurred_at) -> datetime:
    if occurred_at is None:
        return utcnow()
    if not isinstance(occurred_at, datetime):
        raise ConversionError("occurred_at must be a datetime with a time zone")
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise ConversionError("occurred_at must carry a time zone (e.g. datetime.now(timezone.utc)); "
                              "a naive time is ambiguous")
    try:
        return occurred_at.astimezone(timezone.utc).replace(tzinfo=None)
    except OverflowError:
        raise ConversionError("occurred_at is out of range") from None


def record_conversion(state, submission_id, kind="order", value=None, currency=None, external_id=None,
                      occurred_at=None) -> Conversion:
    """Record a conversion of the submission ``submission_id``; see the module docstring.

    Raises :class:`ConversionError` (a ``ValueError``) for an unknown submission or a bad argument.
    A submission of an erased contact still takes conversions: they hold nothing personal.
    """
    return record(state, submission_id=submission_id, kind=kind, value=value, currency=currency,
                  external_id=external_id, occurred_at=occurred_at)[0]


def record_conversion_for_phone(state, phone, kind="order", value=None, currency=None, external_id=None,
                                occurred_at=None, region: str = "RU") -> Conversion:
    """Record a conversion for the lead that left ``phone`` (the number on a shop order).

    Attribution: the number's contact (found by blind index, as a submission finds it), then its
    latest *verified* submission made at or before ``occurred_at``; if none of those was verified,
    its latest submission made by then. The number is parsed (``region`` for one without +), looked
    up and forgotten: it is not stored, logged, or put in an error message. An erased contact can't
    be found by its number any more (erasure cleared its blind index): record by submission id.
    """
    if phone is None:  # not record()'s "by submission id" path: an order without a number
        raise ConversionError("phone: an order without a number can't be attributed; record it by "
                              "submission id")
    return record(state, phone=phone, region=region, kind=kind, value=value, currency=currency,
                  external_id=external_id, occurred_at=occurred_at)[0]


def record(state, *, submission_id=None, phone=None, region: str = "RU", kind="order", value=None,
           currency=None, external_id=None, occurred_at=None) -> tuple[Conversion, bool]:
    """(conversion, made now): False when ``(kind, external_id)`` was recorded before (the CLI says so)."""
    checked = check(state, kind, value, currency, external_id, occurred_at)
    if phone is None:
        if not isinstance(submission_id, str) or not _ID.fullmatch(submission_id) \
                or not state.db.session.get(Submission, submission_id):  # (a NUL would fail in PostgreSQL)
            raise ConversionError("there is no submission with this id")
    else:
        submission_id = _attribute(state, phone, region, checked.occurred_at)
    return _store(state, submission_id, checked)


def _attribute(state, phone, region: str, occurred_at: datetime) -> str:
    """The submission a conversion of ``phone`` at ``occurred_at`` is attributed to (see above)."""
    code = region.strip().upper() if isinstance(region, str) else ""  # a shop's country may be "ru"
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ConversionError("region must be a two-letter country code such as RU or KZ")
    try:
        e164 = parse_phone(phone, code).e164
    except PhoneError as exc:
        raise ConversionError(f"phone: {exc}") from None
    session = state.db.session
    contact_id = find_id_by_e164(state, e164)
    if contact_id is None:
        raise ConversionError("no lead left this number (or it was erased)")
    submission_id = session.execute(
        select(Submission.id)
        .where(Submission.contact_id == contact_id, Submission.created_at <= occurred_at)
        .order_by(case((Submission.verified_at.is_not(None), 0), else_=1),
                  Submission.created_at.desc(), Submission.id.desc())
        .limit(1)).scalar()
    if submission_id is None:
        raise ConversionError("this number left no submission before the conversion's time")
    return submission_id


def _store(state, submission_id: str, c: _Checked) -> tuple[Conversion, bool]:
    session = state.db.session
    row = dict(id=new_id(), submission_id=submission_id, kind=c.kind, value=c.value, currency=c.currency,
               external_id=c.external_id, occurred_at=c.occurred_at, created_at=utcnow())
    made = _insert(session, row)
    session.commit()  # then read: what is returned is loaded, not expired by the commit
    if not made:
        return _existing(session, c.kind, c.external_id), False
    conversion = session.get(Conversion, row["id"])
    conversion_recorded.send(current_app._get_current_object(), conversion=conversion)
    return conversion, True


def _existing(session, kind: str, external_id: str) -> Conversion:
    return session.execute(select(Conversion).where(Conversion.kind == kind,
                                                    Conversion.external_id == external_id)).scalar_one()


def _insert(session, row: dict) -> bool:
    """Insert unless (kind, external_id) is taken; True when this call made the row.

    On PostgreSQL and SQLite one ``INSERT ... ON CONFLICT DO NOTHING``: a parallel insert of the same
    key makes this one wait for its commit, then do nothing, so both end up with the one row.
    Elsewhere a SAVEPOINT catches the unique violation.
    """
    if row["external_id"] is None:
        session.execute(insert(_conversions).values(**row))
        return True
    # No look before the insert: on SQLite a read first, then a write, is how two at once deadlock.
    upsert = _UPSERT.get(session.get_bind().dialect.name)
    if upsert is not None:
        made = session.execute(upsert(_conversions).values(**row)
                               .on_conflict_do_nothing(index_elements=["kind", "external_id"])
                               .returning(_conversions.c.id)).scalar()
        return made is not None  # (rowcount says -1 here with psycopg: RETURNING tells for sure)
    try:
        with session.begin_nested():
            session.execute(insert(_conversions).values(**row))
    except IntegrityError:
        return False
    return True
