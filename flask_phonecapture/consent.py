"""Consent texts (immutable, by sha256) and per-purpose consent records."""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from .forms import FormSpec
from .models import Consent, ConsentText, new_id, utcnow


def ensure_texts(state, spec: FormSpec, locale: str | None = None) -> dict[str, str]:
    """Store each consent wording of ``spec`` shown in ``locale`` (the language the form was
    shown in; default the form's) once; return {purpose: text_version}."""
    session = state.db.session
    locale = locale or spec.effective_locale
    versions = {}
    for purpose in spec.consents:
        version = purpose.text_version(locale)
        versions[purpose.purpose] = version
        if version in state.known_consent_texts:
            continue
        if session.get(ConsentText, version) is None:
            try:
                with session.begin_nested():  # another worker may insert the same text right now
                    session.add(ConsentText(id=version, purpose=purpose.purpose, locale=locale,
                                            body=purpose.text_for(locale), policy_url=purpose.policy_url))
            except IntegrityError:
                pass
        state.known_consent_texts.add(version)
    return versions


def record(state, spec: FormSpec, *, contact_id: str, submission_id: str,
           granted: dict[str, bool], ip_prefix: str | None, user_agent: str | None,
           locale: str | None = None) -> int:
    """One record per purpose of the form, refused purposes included (proof of an unticked box),
    each pointing at the wording shown in ``locale`` (the submission's; default the form's)."""
    versions = ensure_texts(state, spec, locale)
    now = utcnow()
    rows = [dict(id=new_id(), contact_id=contact_id, submission_id=submission_id, purpose=p.purpose,
                 granted=bool(granted.get(p.purpose)), text_version=versions[p.purpose], given_at=now,
                 ip_prefix=ip_prefix, user_agent=user_agent, method="checkbox")
            for p in spec.consents]
    state.db.session.execute(insert(Consent.__table__), rows)  # one round trip, no unit of work
    return len(rows)


def confirm(state, submission_id: str) -> None:
    """The SMS code proved the number: the consents given with this submission are confirmed."""
    state.db.session.execute(
        update(Consent).where(Consent.submission_id == submission_id, Consent.granted.is_(True))
        .values(confirmed_at=utcnow()))


def has_consent(state, contact_id: str, purpose: str) -> bool:
    """Latest record for the purpose is granted, confirmed and not withdrawn."""
    row = state.db.session.execute(
        select(Consent).where(Consent.contact_id == contact_id, Consent.purpose == purpose)
        .order_by(Consent.given_at.desc()).limit(1)).scalar_one_or_none()
    return bool(row and row.granted and row.confirmed_at and not row.withdrawn_at)


def withdraw(state, contact_id: str, purposes: list[str] | None, channel: str) -> int:
    """Withdraw granted consents (all purposes, or the listed ones); returns how many changed."""
    stmt = update(Consent).where(Consent.contact_id == contact_id, Consent.granted.is_(True),
                                 Consent.withdrawn_at.is_(None))
    if purposes:
        stmt = stmt.where(Consent.purpose.in_(purposes))
    result = state.db.session.execute(stmt.values(withdrawn_at=utcnow(), withdrawn_channel=channel))
    return result.rowcount or 0
