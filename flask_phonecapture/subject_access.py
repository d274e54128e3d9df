"""Access requests (152-FZ art. 14, GDPR art. 15): what we hold about a number, and revealing one.

``export_number`` gathers everything held about a number into a JSON-ready document meant to be
handed to the person: the number, each contact, its submissions (name decrypted, every source
field), consents (with the exact wording shown), messages (kind, template, status, times; never a
body, so never a code), STOP/START/HELP records, the suppression list and erasure requests.
``export_contact`` does the same for one contact id: an erased contact keeps no number or blind
index, so only its id (from the audit record an erasure receipt points to) still finds it.
``reveal`` gives staff who must call back the full number of one contact.

Each call appends a hash-chained audit record (``privacy.audit``: the reason is scrubbed of phone
numbers) and commits it before anything is returned. Nothing here logs; the number and the name
only ever leave through the return values.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select

from .contacts import decrypt_e164
from .leads import _plausible_id
from .models import (Consent, ConsentText, Contact, ErasureRequest, KeywordEvent, Message, Submission,
                     Suppression, utcnow)
from .phone import mask_e164, parse_phone
from .privacy import audit

#: bumped when a field changes meaning or goes away (new fields keep the version)
FORMAT = "flask-phonecapture/access-export/1"
SOURCE_FIELDS = ("page_url", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term",
                 "utm_content", "gclid", "yclid", "fbclid", "first_touch")


class SubjectAccessError(LookupError):
    """No such contact, or nothing left to reveal; the message never holds a number."""


def export_number(state, e164: str, *, actor: str, reason: str, origin: str = "") -> dict:
    """Everything held about ``e164`` (see the module docstring). A number we don't hold gives a
    valid document with no contacts. Audits (one ``export`` record a contact, or one with no
    target) and commits."""
    _require(actor, reason)
    parsed = parse_phone(e164, "ZZ")  # an E.164 string: region and type come with it
    indexes = state.keyring.blind_indexes(parsed.e164)  # (and under retired index keys)
    session = state.db.session
    # the index is truncated on purpose: candidates are decrypted and compared (erased ones
    # have no index left, so they never come back here: see export_contact)
    candidates = session.execute(select(Contact).where(Contact.blind_index.in_(indexes))
                                 .order_by(Contact.created_at, Contact.id)).scalars()
    contacts = [c for c in candidates if c.e164_enc is not None and decrypt_e164(state, c) == parsed.e164]
    # requests for a number we don't hold carry no contact id: the index and the masked digits find them
    unheld = (ErasureRequest.contact_id.is_(None) & (ErasureRequest.blind_index.in_(indexes))
              & (ErasureRequest.masked == mask_e164(parsed.e164)))
    number = {"e164": parsed.e164, "region": parsed.region, "type": parsed.number_type}
    document = _document(state, number, contacts, indexes, unheld)
    _audit_and_commit(state, "export", [c.id for c in contacts], actor, reason, origin)
    return document


def export_contact(state, contact_id: str, *, actor: str, reason: str, origin: str = "") -> dict:
    """The export of one contact, erased or not; raises SubjectAccessError for an unknown id."""
    _require(actor, reason)
    contact = _load(state, contact_id)
    number, indexes = None, None
    if contact.e164_enc is not None:
        e164 = decrypt_e164(state, contact)
        number = {"e164": e164, "region": contact.region, "type": contact.number_type}
        indexes = state.keyring.blind_indexes(e164)
    document = _document(state, number, [contact], indexes, None)
    _audit_and_commit(state, "export", [contact.id], actor, reason, origin)
    return document


def reveal(state, contact_id: str, *, actor: str, reason: str, origin: str = "", role: str = "") -> str:
    """The full E.164 number of one contact, for a call back. The ``reveal`` audit record (with
    the ``role`` that allowed it, if any) is committed before the number is returned; raises
    SubjectAccessError for a malformed or unknown id and for an erased contact (no record is
    written then: nothing was revealed)."""
    _require(actor, reason)
    contact = _load(state, contact_id)
    if contact.e164_enc is None:
        state.db.session.rollback()
        raise SubjectAccessError(f"contact {contact.id} is erased: there is no number to reveal")
    e164 = decrypt_e164(state, contact)
    _audit_and_commit(state, "reveal", [contact.id], actor, reason, origin, role)
    return e164


def _require(actor: str, reason: str) -> None:
    if not (actor or "").strip():
        raise ValueError("an actor is required (who asks, for the audit record)")
    if not (reason or "").strip():
        raise ValueError("a reason is required (why, for the audit record)")


def _load(state, contact_id: str) -> Contact:
    contact = state.db.session.get(Contact, contact_id) if _plausible_id(contact_id) else None
    if contact is None:
        state.db.session.rollback()
        # an id is no personal data, but a mistyped one could be anything: don't repeat it
        raise SubjectAccessError("no contact has this id (an id is 32 hex digits)")
    return contact


def _audit_and_commit(state, action: str, targets: list[str], actor: str, reason: str, origin: str,
                      role: str = "") -> None:
    for target in targets or [""]:  # one record a contact: ids never get cut to fit the column
        audit(state, action=action, target=target, actor=actor, role=role, reason=reason, origin=origin)
    state.db.session.commit()


def _document(state, number: dict | None, contacts: list[Contact], indexes: list[str] | None, unheld) -> dict:
    session = state.db.session
    ids = [c.id for c in contacts]
    suppressions = []
    if indexes:
        suppressions = [{"scope": s.scope, "reason": s.reason, "since": _time(s.created_at)}
                        for s in session.execute(select(Suppression).where(Suppression.blind_index.in_(indexes))
                                                 .order_by(Suppression.created_at)).scalars()]
    where = [ErasureRequest.contact_id.in_(ids)] + ([unheld] if unheld is not None else [])
    requests = session.execute(select(ErasureRequest).where(or_(*where))
                               .order_by(ErasureRequest.created_at)).scalars()
    return {
        "format": FORMAT,
        "generated_at": _time(utcnow()),
        "controller_note": current_app.config["PHONECAPTURE_EXPORT_NOTE"] or "",
        "number": number,
        "suppressed": bool(suppressions),
        "suppressions": suppressions,
        "erasure_requests": [_request(r) for r in requests],
        "contacts": [_contact(state, c) for c in contacts],
    }


def _contact(state, contact: Contact) -> dict:
    session = state.db.session

    def rows(model, order):
        return session.execute(select(model).where(model.contact_id == contact.id).order_by(order)).scalars().all()

    consents = rows(Consent, Consent.given_at)
    versions = {c.text_version for c in consents}
    texts = {t.id: t for t in session.execute(select(ConsentText).where(ConsentText.id.in_(versions))).scalars()}
    return {
        "id": contact.id, "status": contact.status, "region": contact.region, "type": contact.number_type,
        "created_at": _time(contact.created_at), "verified_at": _time(contact.verified_at),
        "erased_at": _time(contact.erased_at),
        "submissions": [_submission(state, s) for s in rows(Submission, Submission.created_at)],
        "consents": [_consent(c, texts.get(c.text_version)) for c in consents],
        "messages": [_message(m) for m in rows(Message, Message.created_at)],
        "keywords": [{"keyword": k.keyword, "provider": k.provider, "received_at": _time(k.received_at)}
                     for k in rows(KeywordEvent, KeywordEvent.received_at)],
    }


def _submission(state, s: Submission) -> dict:
    name = None
    if s.name_enc:
        name = state.keyring.decrypt(s.name_enc, f"phonecapture_submission.name_enc.{s.id}")
    return {
        "id": s.id, "form_id": s.form_id, "form_version": s.form_version, "created_at": _time(s.created_at),
        "status": s.status, "verified_at": _time(s.verified_at), "name": name, "locale": s.locale,
        "source": {field: getattr(s, field) for field in SOURCE_FIELDS},
        "ip_prefix": s.ip_prefix, "user_agent": s.user_agent,
    }


def _consent(c: Consent, text: ConsentText | None) -> dict:
    return {
        "purpose": c.purpose, "granted": c.granted, "submission_id": c.submission_id,
        "text_version": c.text_version, "text": text.body if text else None,
        "text_locale": text.locale if text else None, "policy_url": text.policy_url if text else None,
        "given_at": _time(c.given_at), "method": c.method, "confirmed_at": _time(c.confirmed_at),
        "withdrawn_at": _time(c.withdrawn_at), "withdrawn_channel": c.withdrawn_channel,
        "ip_prefix": c.ip_prefix, "user_agent": c.user_agent,
    }


def _message(m: Message) -> dict:
    # never the body: a pending OTP's body holds a live code (sent ones are cleared anyway)
    return {
        "kind": m.kind, "template": m.template, "status": m.status, "purpose": m.purpose,
        "provider": m.provider, "created_at": _time(m.created_at), "not_before": _time(m.not_before),
        "sent_at": _time(m.sent_at), "updated_at": _time(m.updated_at),
    }


def _request(r: ErasureRequest) -> dict:
    if r.erased_at is not None:
        status = "erased"
    elif r.locked_at is not None:
        status = "locked"
    elif utcnow() > r.expires_at:
        status = "expired"
    else:
        status = "pending"
    return {"id": r.id, "status": status, "created_at": _time(r.created_at), "erased_at": _time(r.erased_at),
            "masked_number": r.masked}


def _time(at: datetime | None) -> str | None:
    """Stored times are naive UTC: say so."""
    return at.isoformat(timespec="seconds") + "Z" if at is not None else None
