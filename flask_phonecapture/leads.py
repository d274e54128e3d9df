"""What happens to a submitted number: store it, send the code, check the code, resend.

Shared by the JSON API and the no-JS pages; both call these functions with a
validated form, and turn :class:`LeadError` into their own kind of answer.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from flask import current_app, request
from sqlalchemy import func, insert, select, update

from . import consent, contacts, messaging
from .crypto import same
from .forms import FormSpec
from .formstore import TAG_LEN
from .messaging import outbox
from .messaging.texts import otp_text
from .models import Message, Submission, Verification, new_id, utcnow
from .netutil import client_ip, ip_prefix, scrub
from .signals import phone_verified, submission_created
from .texts import UI, answer_texts, fill

_submissions = Submission.__table__
_verifications = Verification.__table__
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
CLICK_KEYS = ("gclid", "yclid", "fbclid")


class LeadError(Exception):
    """A refusal with an HTTP status and a message safe to show (never contains the number)."""

    def __init__(self, status: int, code: str, message: str, *, fields=None, retry_after=None,
                 **extra):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.retry_after = retry_after
        self.extra = extra


@dataclass
class RequestMeta:
    ip_prefix: str | None
    user_agent: str | None
    host: str | None = None
    first_touch: dict | None = None

    @classmethod
    def from_request(cls, first_touch=None) -> "RequestMeta":
        """What we keep of the current request: IP prefix, user agent, host, first touch."""
        ip = client_ip(request, current_app.config["PHONECAPTURE_TRUST_PROXY"])
        return cls(ip_prefix=ip_prefix(ip), user_agent=(request.headers.get("User-Agent") or "").replace("\x00", "") or None,
                   host=request.host.split(":")[0],
                   first_touch=first_touch if isinstance(first_touch, dict) else None)


# -- submit token ------------------------------------------------------------
# "<issued at, ms, base 36>[~lang]-<version>.<96-bit HMAC of form id and head>": 34 characters,
# short because it travels in every public form config (the widget's weight budget); the MAC binds
# it to its form. <version> is the start of the FormSpec.version shown (formstore.FormRegistry.seen).
def _token_mac(state, form_id: str, issued: str, secret: bytes | None = None) -> str:
    mac = hmac.new(secret or state.keyring.token_secret(), f"submit:{form_id}:{issued}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:12]).decode()


def issue_token(state, spec: FormSpec, locale: str | None = None) -> str:
    """A signed "this form was shown at this time, in this language" token. The language goes
    in only when it is not the form's own (``~en``), so the submission, its SMS and the answers
    about it speak the language the visitor read, with no field of its own to send."""
    head = _base36(int(time.time() * 1000))
    if locale and locale != spec.effective_locale:
        head += f"~{locale}"
    head += "-" + spec.version[:TAG_LEN]  # which version of the form was shown
    return f"{head}.{_token_mac(state, spec.id, head)}"


def _token_parts(token) -> tuple[str, str, str]:
    """(issued, lang, version tag) of a token's head, "" for each part it lacks (tokens issued
    before forms were versioned carry no tag)."""
    head = token.partition(".")[0] if isinstance(token, str) else ""
    head, _, tag = head.partition("-")
    issued, _, lang = head.partition("~")
    return issued, lang, tag


def token_locale(spec: FormSpec, token) -> str:
    """The language a token says its form was shown in (check_token vouches for it)."""
    lang = _token_parts(token)[1]
    return lang if lang in UI else spec.effective_locale


def token_tag(token) -> str | None:
    """The version tag a token says its form was shown in (check_token vouches for it)."""
    tag = _token_parts(token)[2]
    return tag if len(tag) == TAG_LEN and all(c in "0123456789abcdef" for c in tag) else None


def shown_spec(state, form_id: str, token) -> FormSpec | None:
    """The version of the form the token was issued with, else the live one (None: no such form).
    A form edited between showing and submitting is judged, and recorded, as it was shown.
    Only a tag this app signed for this form picks a version: a forged one would pick old,
    inactive versions and cost a read of the version table each (check_token refuses it after)."""
    tag = token_tag(token)
    return state.forms.seen(form_id, tag if tag and _signed(state, form_id, token) else None)


def _signed(state, form_id: str, token: str) -> bool:
    """The token's MAC is this app's, for this form."""
    head, _, mac = token.partition(".")
    # also under a retired index key: a form shown just before the key was replaced
    return any(same(mac, _token_mac(state, form_id, head, secret)) for secret in state.keyring.subkeys("tokens"))


def _base36(n: int) -> str:
    digits = ""
    while n:
        n, r = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
    return digits or "0"


def check_token(state, form_id: str, token: str | None) -> int:
    """Return the token's age in ms, or raise LeadError (400) when it is missing, forged, of
    another form, or old."""
    if not token:
        raise LeadError(400, "invalid_token", "The submit token is missing; reload the form.",
                        fields={"token": ["Missing."]})
    head = token.partition(".")[0]
    issued, lang, tag = _token_parts(token)
    if not (0 < len(issued) <= 12 and issued.isalnum() and issued.isascii()
            and ("~" not in head or lang in UI) and ("-" not in head or token_tag(token))
            and _signed(state, form_id, token)):
        raise LeadError(400, "invalid_token", "The submit token is not valid for this form; reload the form.",
                        fields={"token": ["Invalid."]})
    age_ms = int(time.time() * 1000) - int(issued, 36)
    if age_ms > current_app.config["PHONECAPTURE_TOKEN_MAX_AGE"] * 1000:
        raise LeadError(400, "expired_token", "The form has been open too long; reload it.",
                        fields={"token": ["Expired."]})
    return max(age_ms, 0)


# -- submit ------------------------------------------------------------------
@dataclass
class SubmitResult:
    id: str
    resend_after_s: int
    created: bool          # False for a repeated click or a quietly dropped bot


def looks_like_bot(form, token_age_ms: int) -> bool:
    """Honeypot filled, or the form filled faster than a person can (client or server clock)."""
    minimum = current_app.config["PHONECAPTURE_MIN_FILL_MS"]
    if form.hp.data:
        return True
    if form.elapsed_ms.data is not None and form.elapsed_ms.data < minimum:
        return True
    return token_age_ms < minimum


def _source(form, spec: FormSpec, meta: RequestMeta) -> dict:
    region = spec.default_region
    src = {key: scrub(getattr(form, key).data or None, 2048 if key in ("page_url", "referrer") else 255,
                      region) or None for key in ("page_url", "referrer", *UTM_KEYS, *CLICK_KEYS)}
    if src["page_url"]:  # tags in the landing URL count when the body did not carry them
        query = parse_qs(urlsplit(src["page_url"]).query)
        for key in (*UTM_KEYS, *CLICK_KEYS):
            if not src[key] and query.get(key):
                src[key] = scrub(query[key][0], 255, region)
    if meta.first_touch:
        src["first_touch"] = {k: scrub(str(v), 255, region) for k, v in meta.first_touch.items()
                              if k in ("page_url", "referrer", "at", *UTM_KEYS, *CLICK_KEYS) and v}
    return src


def _sends_last_hour(state, contact_id: str) -> tuple[int, object]:
    since = utcnow() - timedelta(hours=1)
    row = state.db.session.execute(
        select(func.count(Message.id), func.min(Message.created_at))
        .where(Message.contact_id == contact_id, Message.kind == "otp", Message.created_at >= since)).one()
    return row[0], row[1]


def _check_hourly_cap(state, contact_id: str, texts: dict) -> None:
    cap = current_app.config["PHONECAPTURE_MAX_SENDS_PER_HOUR"]
    count, oldest = _sends_last_hour(state, contact_id)
    if count >= cap:
        wait = max(1, math.ceil(3600 - (utcnow() - oldest).total_seconds()) if oldest else 3600)
        raise LeadError(429, "too_many_codes", fill(texts["error_rate"], s=wait), retry_after=wait)


def _new_code(state, verification_id: str) -> tuple[str, str]:
    """(code, its HMAC bound to the verification row)."""
    code = f"{secrets.randbelow(10 ** 6):06d}"
    return code, state.keyring.code_mac(verification_id, code)


def _queue_code(state, locale, *, contact_id, submission_id, page_url, verification_id, sends,
                code, meta) -> str:
    host = meta.host
    if page_url:
        host = urlsplit(page_url).hostname or host
    body = otp_text(locale, code, current_app.config["PHONECAPTURE_BRAND"], host)
    message = outbox.add_message(state, contact_id=contact_id, submission_id=submission_id,
                                 kind="otp", template="otp", body=body,
                                 idempotency_key=f"otp-{verification_id}-{sends}")
    return message.id


def _pending_duplicate(state, spec, contact_id: str, cooldown: int):
    """The same number on the same form within the cooldown: a double click or a second tab."""
    return state.db.session.execute(
        select(_submissions.c.id, _verifications.c.last_sent_at)
        .join(_verifications, _verifications.c.submission_id == _submissions.c.id)
        .where(_submissions.c.contact_id == contact_id, _submissions.c.form_id == spec.id,
               _submissions.c.status == "pending_verification",
               _verifications.c.last_sent_at >= utcnow() - timedelta(seconds=cooldown))
        .order_by(_submissions.c.created_at.desc()).limit(1)).first()


def create_submission(state, spec: FormSpec, form, meta: RequestMeta) -> SubmitResult:
    """Store contact, submission, consents, verification and the code SMS in one transaction.

    Core inserts rather than ORM objects: this runs on every submission (bench/submit.py).
    """
    session = state.db.session
    config = current_app.config
    phone = form.parsed_phone
    # Locks the number until commit/rollback: a simultaneous identical request waits here, then
    # finds this contact and this submission (one contact, one submission, one SMS).
    contact_id, is_new = contacts.find_or_create(state, phone)
    cooldown = config["PHONECAPTURE_RESEND_COOLDOWN"]

    try:
        if not is_new:
            recent = _pending_duplicate(state, spec, contact_id, cooldown)
            if recent is not None:  # hand back the pending submission, send nothing new
                session.rollback()
                waited = (utcnow() - recent.last_sent_at).total_seconds()
                return SubmitResult(recent.id, max(1, math.ceil(cooldown - waited)), created=False)
            _check_hourly_cap(state, contact_id, answer_texts(spec, form.locale))
        messaging.check_code_send(state, e164=phone.e164, region=phone.region, ip_prefix=meta.ip_prefix)
    except LeadError:
        session.rollback()  # let the next request for this number in now
        raise

    now = utcnow()
    submission_id = new_id()
    src = _source(form, spec, meta)
    name_field = getattr(form, "name", None)
    name_enc = None
    if name_field is not None and name_field.data:
        name_enc = state.keyring.encrypt(name_field.data.strip(),
                                         f"phonecapture_submission.name_enc.{submission_id}")
    user_agent = (meta.user_agent or "")[:512] or None
    session.execute(insert(_submissions).values(
        id=submission_id, contact_id=contact_id, form_id=spec.id, form_version=spec.version,
        locale=form.locale, status="pending_verification", created_at=now,
        ip_prefix=meta.ip_prefix, user_agent=user_agent, name_enc=name_enc, **src))
    granted = {purpose: bool(field_.data) for purpose, field_ in form.consent_fields()}
    consent.record(state, spec, contact_id=contact_id, submission_id=submission_id, granted=granted,
                   ip_prefix=meta.ip_prefix, user_agent=user_agent, locale=form.locale)
    verification_id = new_id()
    code, code_mac = _new_code(state, verification_id)
    session.execute(insert(_verifications).values(
        id=verification_id, submission_id=submission_id, code_mac=code_mac, attempts=0, sends=1,
        max_attempts=config["PHONECAPTURE_CODE_MAX_ATTEMPTS"], last_sent_at=now,
        expires_at=now + timedelta(seconds=config["PHONECAPTURE_CODE_TTL"])))
    message_id = _queue_code(state, form.locale, contact_id=contact_id, submission_id=submission_id,
                             page_url=src.get("page_url"), verification_id=verification_id, sends=1,
                             code=code, meta=meta)
    session.commit()
    outbox.dispatch(state, [message_id])
    if submission_created.receivers:
        submission_created.send(current_app._get_current_object(),
                                submission=session.get(Submission, submission_id))
    return SubmitResult(submission_id, cooldown, created=True)


# -- verify / resend ---------------------------------------------------------
def load_submission(state, submission_id: str) -> Submission:
    """The submission, or LeadError 404 (ids that can't be ours never reach the database)."""
    submission = state.db.session.get(Submission, submission_id) if _plausible_id(submission_id) else None
    if submission is None:
        raise LeadError(404, "unknown_submission", "No such submission.")
    return submission


def _plausible_id(value: str) -> bool:
    return isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def _texts(state, submission: Submission) -> dict:
    """The words of the submission's form (its language, its own texts) for a LeadError."""
    return answer_texts(state.forms.get(submission.form_id), submission.locale)


_CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")


def code_digits(code) -> str | None:
    """The code as 6 ASCII digits, or None when it is not 6 digits.

    Digits of any script (Unicode Nd: Arabic-Indic, Persian, Devanagari, fullwidth...) are what
    a phone keyboard may type, so they count as their value; superscripts, circled digits and the
    other characters ``str.isdigit`` also accepts are not digits of a code. Spaces and dashes
    between them are how people copy a code ("12 34 56", "420-858"): dropped.
    """
    code = _CODE_SEPARATORS.sub("", code) if isinstance(code, str) else ""
    if len(code) != 6 or not all(ch.isdecimal() for ch in code):
        return None
    return "".join(str(unicodedata.decimal(ch)) for ch in code)


def _lock_code(state, submission_id: str) -> None:
    """Hold the submission's verification row until the transaction ends, and forget what the
    session read of it before. Simultaneous checks or resends of one code (a double click, a
    burst of guesses) then run one after the other, each on what the one before committed:
    every wrong guess costs an attempt, two resends send one code, a code verifies once.
    A write takes the lock on every backend: a row lock on PostgreSQL, the write lock on SQLite.
    """
    if not _plausible_id(submission_id):
        return  # load_submission answers 404
    state.db.session.execute(update(_verifications).where(_verifications.c.submission_id == submission_id)
                             .values(attempts=_verifications.c.attempts))
    state.db.session.expire_all()


def _under_code_lock(state, submission_id: str, work, *args):
    """``work(*args)`` holding the code's lock (:func:`_lock_code`); a refusal releases it."""
    _lock_code(state, submission_id)
    try:
        return work(*args)
    except LeadError:
        state.db.session.rollback()  # nothing to keep (a wrong guess is committed already): unlock
        raise


def _not_erased(submission: Submission, texts: dict) -> None:
    """A submission whose number was erased (privacy.py) takes no code and sends none: 410."""
    if submission.contact.status != "active":
        raise LeadError(410, "erased", texts["error_gone"])


def verify_code(state, submission_id: str, code: str) -> Submission:
    """Check a code; raises LeadError. On a verified submission the right code again (a double
    click) is still a success and any other answer a 409 ``already_verified``."""
    return _under_code_lock(state, submission_id, _verify_locked, state, submission_id, code)


def _verify_locked(state, submission_id: str, code: str) -> Submission:
    session = state.db.session
    submission = load_submission(state, submission_id)
    texts = _texts(state, submission)
    _not_erased(submission, texts)
    verification = submission.verification
    code = code_digits(code)
    if submission.status == "verified":
        if code is not None and state.keyring.code_matches(verification.id, code, verification.code_mac):
            return submission
        raise LeadError(409, "already_verified", texts["already_verified"])
    now = utcnow()
    if verification.locked_at is not None:
        raise LeadError(410, "locked", texts["error_gone"], attempts_left=0)
    if now > verification.expires_at:
        raise LeadError(410, "expired", texts["error_gone"])
    if code is None:  # not counted as an attempt
        raise LeadError(422, "invalid", texts["code_format"], fields={"code": [texts["code_format"]]},
                        attempts_left=verification.max_attempts - verification.attempts)
    if not state.keyring.code_matches(verification.id, code, verification.code_mac):
        verification.attempts += 1
        left = verification.max_attempts - verification.attempts
        if left <= 0:
            verification.locked_at = now
            submission.status = "locked"
            session.commit()
            raise LeadError(410, "locked", texts["error_gone"], attempts_left=0)
        session.commit()
        wrong = fill(texts["error_code"], n=left)
        raise LeadError(422, "wrong_code", wrong, fields={"code": [wrong]}, attempts_left=left)
    verification.verified_at = now
    submission.status = "verified"
    submission.verified_at = now
    if submission.contact.verified_at is None:
        submission.contact.verified_at = now
    consent.confirm(state, submission.id)
    follow_ups = messaging.on_verified(state, submission)  # sequence steps, same transaction
    session.commit()
    messaging.after_verified(state, submission, follow_ups)
    phone_verified.send(current_app._get_current_object(), submission=submission,
                        contact=submission.contact)
    return submission


def resend_code(state, spec_lookup, submission_id: str, meta: RequestMeta) -> int:
    """Send a fresh code; returns seconds until the next resend is allowed."""
    return _under_code_lock(state, submission_id, _resend_locked, state, spec_lookup, submission_id, meta)


def _resend_locked(state, spec_lookup, submission_id: str, meta: RequestMeta) -> int:
    session = state.db.session
    config = current_app.config
    submission = load_submission(state, submission_id)
    texts = _texts(state, submission)
    _not_erased(submission, texts)
    if submission.status == "verified":
        raise LeadError(409, "already_verified", texts["already_verified"])
    verification = submission.verification
    cooldown = config["PHONECAPTURE_RESEND_COOLDOWN"]
    waited = (utcnow() - verification.last_sent_at).total_seconds()
    if waited < cooldown:
        wait = math.ceil(cooldown - waited)
        raise LeadError(429, "resend_too_soon", fill(texts["error_rate"], s=wait), retry_after=wait)
    _check_hourly_cap(state, submission.contact_id, texts)
    messaging.check_code_send(state, contact_id=submission.contact_id, ip_prefix=meta.ip_prefix)
    spec = spec_lookup(submission.form_id)
    if spec is None:
        raise LeadError(410, "form_gone", texts["form_gone"])
    verification.sends += 1
    verification.attempts = 0
    verification.locked_at = None
    verification.last_sent_at = utcnow()
    verification.expires_at = utcnow() + timedelta(seconds=config["PHONECAPTURE_CODE_TTL"])
    submission.status = "pending_verification"
    code, verification.code_mac = _new_code(state, verification.id)
    message_id = _queue_code(state, submission.locale, contact_id=submission.contact_id,
                             submission_id=submission.id,
                             page_url=submission.page_url, verification_id=verification.id,
                             sends=verification.sends, code=code, meta=meta)
    session.commit()
    outbox.dispatch(state, [message_id])
    return cooldown
