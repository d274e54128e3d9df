"""Erasure: a visitor proves the number is theirs with an SMS code, and it is erased.

``request_erasure`` stores a request and, when we hold the number, queues the code SMS;
``confirm_erasure`` checks the code and erases (``erase_contact``). A number we don't hold gets
a request row too, with no SMS: the page answers the same, and every code is simply wrong, so
the page never tells who is a customer. Requests are capped per number (by blind index, for
held and unknown numbers alike) and per IP (flask-limiter, ratelimit.py). Nor does the time it
takes: the answer waits until ``PHONECAPTURE_ERASE_ANSWER_MS`` after the request began, so the
code SMS queued for a held number is hidden inside the same wait.

What erasing a contact does, in one transaction (152-FZ art. 21, GDPR art. 17):

* the number's ciphertexts and blind index are cleared, the contact is ``erased``;
* the blind index is cleared from the contact's erasure requests and STOP/START/HELP records too
  (a STOP's suppression row stays, by blind index alone);
* each submission loses the name, page URL, referrer, click ids, first touch, IP prefix and user
  agent; the form, the time and the campaign tags (utm_*) stay, so source reports still add up;
* every consent is withdrawn (channel ``erasure``) and keeps its wording version and time as the
  record of what was agreed, without IP or user agent;
* every message still pending is cancelled and every stored body cleared;
* an audit record (hash-chained) says who erased which contact id, and when.

The number is not put on the suppression list (``messaging.inbound.forget``): nothing can be
sent to an erased contact, and a visitor who signs up again later gives a new consent.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, text, update

from . import consent
from .contacts import decrypt_e164, lock_number
from .leads import LeadError, _new_code, _plausible_id, code_digits
from .messaging import outbox
from .messaging.inbound import forget
from .netutil import scrub
from .models import (AuditRecord, Consent, Contact, ErasureRequest, KeywordEvent, Message, Submission,
                     new_id, utcnow)
from .phone import ParsedPhone, mask_e164
from .signals import contact_erased

#: erasure requests per number per hour (held or not: the same cap, so it tells nothing)
REQUESTS_PER_HOUR = 3


@dataclass
class Receipt:
    request_id: str
    masked: str
    erased_at: datetime


def _contacts_of(state, e164: str) -> list[Contact]:
    """Every active contact of the number (a race before migration 0003 may have made two)."""
    rows = state.db.session.execute(
        select(Contact).where(Contact.blind_index.in_(state.keyring.blind_indexes(e164)),
                              Contact.status == "active")).scalars()
    return [c for c in rows if decrypt_e164(state, c) == e164]


def request_erasure(state, phone: ParsedPhone, locale: str, texts: dict) -> str:
    """Store a request for ``phone`` and send its code if we hold the number; returns the
    request id, ``PHONECAPTURE_ERASE_ANSWER_MS`` after it began whichever it was. Raises
    LeadError 429 past the per-number cap (alike for held and unknown numbers)."""
    started = time.monotonic()
    session = state.db.session
    lock_number(state, phone.e164)  # two clicks make one request, one SMS
    indexes = state.keyring.blind_indexes(phone.e164)  # the current key's first, then the retired ones
    index = indexes[0]
    since = utcnow() - timedelta(hours=1)
    recent = session.execute(select(func.count(ErasureRequest.id)).where(
        ErasureRequest.blind_index.in_(indexes), ErasureRequest.created_at >= since)).scalar()
    if recent >= REQUESTS_PER_HOUR:
        session.rollback()
        raise LeadError(429, "too_many_requests", texts["too_many"], retry_after=3600)
    held = _contacts_of(state, phone.e164)
    contact = held[0] if held else None
    # No anti-pumping check (messaging.antipump): a code only ever goes to a number that is
    # already ours (it passed that check when it signed up), at most REQUESTS_PER_HOUR times,
    # and a refusal that only held numbers could meet would tell who is a customer.
    now = utcnow()
    request_id = new_id()
    code, code_mac = _new_code(state, _code_scope(request_id))
    session.add(ErasureRequest(
        id=request_id, contact_id=contact.id if contact else None, blind_index=index,
        code_mac=code_mac, locale=locale,
        created_at=now, expires_at=now + timedelta(seconds=current_app.config["PHONECAPTURE_CODE_TTL"]),
        attempts=0, max_attempts=current_app.config["PHONECAPTURE_CODE_MAX_ATTEMPTS"],
        # the typed number, masked, for held and unknown numbers alike (the code page repeats it)
        masked=mask_e164(phone.e164)))
    message_id = None
    if contact is not None:
        body = erase_code_text(locale, code)
        message_id = outbox.add_message(state, contact_id=contact.id, kind="otp", template="erase_code",
                                        body=body, idempotency_key=f"erase-{request_id}").id
    session.commit()
    if message_id:
        outbox.dispatch(state, [message_id])
    _answer_after(started)
    return request_id


def _answer_after(started: float) -> None:
    """Wait out the rest of the erasure answer's fixed time. A held number's extra work (the
    outbox row, queueing its code: a Redis round trip with RQ) fits well inside the default;
    with the in-process queue a real provider's whole round trip may not (demo only)."""
    rest = current_app.config["PHONECAPTURE_ERASE_ANSWER_MS"] / 1000 - (time.monotonic() - started)
    if rest > 0:
        time.sleep(rest)


def erase_code_text(locale: str, code: str) -> str:
    from .messaging.runtime import runtime

    brand = current_app.config["PHONECAPTURE_BRAND"]
    return runtime(current_app).templates.render("erase_code", locale, code=code, brand=brand).text


def _code_scope(request_id: str) -> str:
    """What a request's code HMAC is bound to (never a signup's verification id)."""
    return "erase:" + request_id


def load_request(state, request_id: str) -> ErasureRequest | None:
    return state.db.session.get(ErasureRequest, request_id) if _plausible_id(request_id) else None


def _announce(erased: list[Contact]) -> None:
    """After commit: the host app erases its own copies (signals.contact_erased)."""
    for contact in erased:
        contact_erased.send(current_app._get_current_object(), contact=contact)


def confirm_erasure(state, request_id: str, code: str, texts: dict, actor: str = "visitor") -> Receipt:
    """Check the code and erase; raises LeadError (404, 409, 410, 422). The right code again on
    an erased request (a double click) answers with the same receipt."""
    session = state.db.session
    # Hold the request row until commit: simultaneous guesses run one after the other.
    session.execute(update(ErasureRequest).where(ErasureRequest.id == request_id)
                    .values(attempts=ErasureRequest.attempts))
    session.expire_all()
    req = load_request(state, request_id)
    if req is None:
        session.rollback()
        raise LeadError(404, "unknown_request", texts["unknown"])
    digits = code_digits(code)
    right = digits is not None and state.keyring.code_matches(_code_scope(req.id), digits, req.code_mac)
    if req.erased_at is not None:
        session.rollback()
        if right:
            return Receipt(req.id, req.masked, req.erased_at)
        raise LeadError(409, "already_erased", texts["already"])
    now = utcnow()
    if req.locked_at is not None or now > req.expires_at:
        session.rollback()
        raise LeadError(410, "expired", texts["gone"])
    if digits is None:  # not counted as an attempt
        session.rollback()
        raise LeadError(422, "invalid", texts["code_format"], fields={"code": [texts["code_format"]]})
    if not right or req.contact_id is None:  # a number we don't hold: every code is wrong
        req.attempts += 1
        left = req.max_attempts - req.attempts
        if left <= 0:
            req.locked_at = now
            session.commit()
            raise LeadError(410, "locked", texts["gone"])
        session.commit()
        wrong = texts["wrong"].format(n=left)
        raise LeadError(422, "wrong_code", wrong, fields={"code": [wrong]}, attempts_left=left)
    contact = session.get(Contact, req.contact_id)
    erased = [contact] if _hold(state, contact) else []
    if contact.e164_enc is not None:  # every duplicate of the number goes too (see 0003)
        erased += [c for c in _contacts_of(state, decrypt_e164(state, contact)) if c.id != contact.id]
    for c in erased:
        erase_contact(state, c, actor=actor, reason="self-service request " + req.id)
    req.erased_at = now
    session.commit()
    _announce(erased)
    return Receipt(req.id, req.masked, now)


def sweep_retention(state, now: datetime | None = None, limit: int = 200) -> int:
    """Erase the contacts kept past ``PHONECAPTURE_UNVERIFIED_RETENTION_DAYS`` (never confirmed)
    or ``PHONECAPTURE_RETENTION_DAYS`` (any), counted from their last submission; at most
    ``limit`` a run (the sweep job runs it hourly), each in its own transaction. Returns how
    many were erased."""
    now = now or utcnow()
    session = state.db.session
    forget_requests(state, now)
    due = _due(now)
    if due is None:
        return 0
    ids = session.execute(due.order_by(Contact.created_at).limit(limit)).scalars().all()
    session.rollback()
    count = 0
    for contact_id in ids:
        contact = session.get(Contact, contact_id)
        # The number may have come back (a new submission) or been erased since the list was
        # read: decide again under the number's lock, which a submission in flight holds too.
        if contact is None or not _hold(state, contact) or \
                session.execute(due.where(Contact.id == contact_id)).first() is None:
            session.rollback()
            continue
        reason = "retention: never confirmed" if contact.verified_at is None else "retention"
        erase_contact(state, contact, actor="retention", reason=reason)
        # one commit per contact: the audit lock is never held while waiting for a number's
        # lock, which a visitor's confirmation takes in the other order (a deadlock)
        session.commit()
        _announce([contact])
        count += 1
    return count


def forget_requests(state, now: datetime) -> None:
    """Erasure requests past their code and the hour of the per-number cap: the ones never
    confirmed go (most are for numbers we never held: nothing of theirs is ours to keep), the
    erased ones keep their receipt without the blind index. Commits."""
    session = state.db.session
    old = now - timedelta(hours=1)
    session.execute(delete(ErasureRequest).where(ErasureRequest.erased_at.is_(None),
                                                 ErasureRequest.created_at < old,
                                                 ErasureRequest.expires_at < now))
    session.execute(update(ErasureRequest).where(ErasureRequest.created_at < old,
                                                 ErasureRequest.blind_index != "")
                    .values(blind_index=""))
    session.commit()


def _due(now: datetime):
    """The ids of active contacts past their retention, or None when retention is off."""
    config = current_app.config
    last = (select(Submission.contact_id, func.max(Submission.created_at).label("at"))
            .group_by(Submission.contact_id).subquery())
    rules = []
    if config["PHONECAPTURE_UNVERIFIED_RETENTION_DAYS"] is not None:
        cutoff = now - timedelta(days=config["PHONECAPTURE_UNVERIFIED_RETENTION_DAYS"])
        rules.append((Contact.verified_at.is_(None)) & (func.coalesce(last.c.at, Contact.created_at) < cutoff))
    if config["PHONECAPTURE_RETENTION_DAYS"] is not None:
        cutoff = now - timedelta(days=config["PHONECAPTURE_RETENTION_DAYS"])
        rules.append(func.coalesce(last.c.at, Contact.created_at) < cutoff)
    if not rules:
        return None
    return (select(Contact.id).outerjoin(last, last.c.contact_id == Contact.id)
            .where(Contact.status == "active", or_(*rules)))


def _hold(state, contact: Contact) -> bool:
    """Take the contact's number lock (contacts.lock_number: a submission or an erasure of the
    number in flight finishes first) and read the contact again; False when it is erased."""
    if contact.e164_enc is not None:
        lock_number(state, decrypt_e164(state, contact))
    state.db.session.refresh(contact)
    return contact.status == "active"


def erase_number(state, e164: str, *, actor: str, reason: str) -> int:
    """Staff erasure (``flask phonecapture erase``): every active contact of the number, now.
    Commits; returns how many contacts were erased."""
    lock_number(state, e164)  # a submission of the number in flight finishes first
    erased = _contacts_of(state, e164)
    for c in erased:
        erase_contact(state, c, actor=actor, reason=reason)
    state.db.session.commit()
    _announce(erased)
    return len(erased)


def erase_contact(state, contact: Contact, *, actor: str, reason: str) -> None:
    """Erase one contact (see the module docstring), in the caller's transaction."""
    session = state.db.session
    now = utcnow()
    forget(state, contact)  # cancels everything pending
    consent.withdraw(state, contact.id, None, channel="erasure")
    session.execute(update(Consent).where(Consent.contact_id == contact.id)
                    .values(ip_prefix=None, user_agent=None))
    session.execute(update(Submission).where(Submission.contact_id == contact.id).values(
        name_enc=None, page_url=None, referrer=None, gclid=None, yclid=None, fbclid=None,
        first_touch=None, ip_prefix=None, user_agent=None))
    session.execute(update(Message).where(Message.contact_id == contact.id).values(body_enc=None))
    # the number's blind index goes wherever the contact's id sits next to it: with the key and
    # the masked last digits it narrows the number down to a few candidates
    session.execute(update(ErasureRequest).where(ErasureRequest.contact_id == contact.id)
                    .values(blind_index=""))
    session.execute(update(KeywordEvent).where(KeywordEvent.contact_id == contact.id)
                    .values(blind_index=""))
    contact.e164_enc = contact.national_enc = contact.international_enc = None
    contact.blind_index = None
    contact.status = "erased"
    contact.erased_at = now
    audit(state, action="erase", target=contact.id, actor=actor, reason=reason)


def audit(state, *, action: str, target: str, actor: str = "system", role: str = "",
          reason: str = "", origin: str = "", outcome: str = "ok") -> AuditRecord:
    """Append a hash-chained audit record in the caller's transaction: each hash covers the
    previous one, so a deleted or edited row breaks the chain (``verify_audit_chain``)."""
    session = state.db.session
    if session.get_bind().dialect.name == "postgresql":  # appenders queue: one chain, no fork
        session.execute(text("LOCK TABLE phonecapture_audit IN SHARE ROW EXCLUSIVE MODE"))
    prev = session.execute(select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)).scalar() or ""
    # free text staff type ("erase +7 912…, letter of 1 Dec"): numbers never stay in it
    record = AuditRecord(at=utcnow(), actor=scrub(actor, 128), role=role[:32], action=action[:32],
                         target=target[:128], reason=scrub(reason, 255), origin=origin[:64],
                         outcome=outcome[:16], prev_hash=prev)
    record.hash = _audit_hash(record)
    session.add(record)
    session.flush()
    return record


def _audit_hash(r: AuditRecord) -> str:
    body = json.dumps([r.prev_hash, r.at.isoformat(), r.actor, r.role, r.action, r.target, r.reason,
                       r.origin, r.outcome], ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def verify_audit_chain(state) -> int | None:
    """The id of the first audit record whose hash does not follow, or None when all do."""
    prev = ""
    for r in state.db.session.execute(select(AuditRecord).order_by(AuditRecord.id)).scalars():
        if r.prev_hash != prev or r.hash != _audit_hash(r):
            return r.id
        prev = r.hash
    return None
