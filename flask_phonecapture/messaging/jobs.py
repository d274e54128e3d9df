"""RQ jobs: plain functions taking ids, importable by dotted path.

A job needs the Flask app. Under ``flask phonecapture worker`` it already runs in
the app context; under a plain ``rq worker phonecapture`` it builds the app from
``FLASK_APP`` (or ``PHONECAPTURE_APP``) once per process.
"""
from __future__ import annotations

import logging
import os
import random
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import update

from ..extension import get_state
from ..models import Contact, Message, utcnow
from .outbox import CLAIMABLE, body_context
from .providers.base import OutOfCreditError, PermanentError, ProviderError, RetryableError

log = logging.getLogger("flask_phonecapture")
_app = None

#: retry delays for retryable provider errors, seconds (then the message fails)
BACKOFF = (10, 60, 300, 1800)


@contextmanager
def app_context():
    global _app
    if has_app_context():
        yield current_app
        return
    if _app is None:
        from flask.cli import ScriptInfo

        target = os.environ.get("PHONECAPTURE_APP") or os.environ.get("FLASK_APP")
        if not target:
            raise RuntimeError("set FLASK_APP (or PHONECAPTURE_APP) so the worker can build the app")
        _app = ScriptInfo(app_import_path=target).load_app()
    with _app.app_context():
        yield _app


def send_message(message_id: str) -> str:
    """Claim the outbox row, send it once, record the outcome. Returns what happened."""
    with app_context():
        return _send(get_state(), message_id)


def _send(state, message_id: str) -> str:
    session = state.db.session
    now = utcnow()
    claimed = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status.in_(CLAIMABLE), Message.not_before <= now)
        .values(status="sending", attempts=Message.attempts + 1, updated_at=now)).rowcount
    session.commit()
    if not claimed:
        return "skipped"  # sent already, cancelled, not due, or another worker has it

    message = session.get(Message, message_id)
    contact = session.get(Contact, message.contact_id)
    if contact is None or contact.e164_enc is None or message.body_enc is None:
        _finish(session, message, "cancelled", error="contact erased")
        return "cancelled"
    to = state.keyring.decrypt(contact.e164_enc, f"phonecapture_contact.e164_enc.{contact.id}")
    body = state.keyring.decrypt(message.body_enc, body_context(message.id))
    provider = state.provider
    try:
        result = provider.send(to, body, idempotency_key=message.idempotency_key)
    except RetryableError as exc:
        return _retry_later(state, message, exc)
    except OutOfCreditError as exc:
        _finish(session, message, "pending", error=f"out_of_credit: {exc.reason}",
                not_before=utcnow() + timedelta(minutes=15))
        log.error("phonecapture: SMS provider %s is out of credit; sending paused", provider.name)
        return "paused"
    except PermanentError as exc:
        _finish(session, message, "failed", error=f"{exc.reason}: {exc}")
        return "failed"
    except ProviderError as exc:
        _finish(session, message, "failed", error=f"{exc.reason}: {exc}")
        return "failed"
    message.provider = provider.name
    message.provider_id = result.provider_id
    message.sent_at = utcnow()
    _finish(session, message, result.status, clear_body=True)
    return result.status


def _finish(session, message, status, *, error=None, clear_body=False, not_before=None):
    message.status = status
    message.updated_at = utcnow()
    if error:
        message.last_error = str(error)[:255]
    if clear_body:
        message.body_enc = None  # an OTP body holds a live code: keep it no longer than needed
    if not_before is not None:
        message.not_before = not_before
    session.commit()


def _retry_later(state, message, exc: RetryableError) -> str:
    attempt = message.attempts
    if attempt > len(BACKOFF):
        _finish(state.db.session, message, "failed", error=f"gave up after {attempt} attempts: {exc.reason}")
        return "failed"
    delay = exc.retry_after or BACKOFF[attempt - 1] * (0.8 + 0.4 * random.random())
    _finish(state.db.session, message, "pending", error=f"{exc.reason}: {exc}",
            not_before=utcnow() + timedelta(seconds=delay))
    try:
        state.queue.enqueue_send(message.id, delay_s=delay, attempt=attempt)
    except Exception:  # the sweeper will find the due row
        pass
    return "retry"


def sweep() -> int:
    """Scheduled job: re-enqueue stale rows (see :func:`outbox.sweep`)."""
    from .outbox import sweep as sweep_outbox

    with app_context():
        return sweep_outbox(get_state())
