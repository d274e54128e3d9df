"""RQ jobs: plain functions taking ids, importable by dotted path.

A job needs the Flask app. Under ``flask phonecapture worker`` it already runs in
the app context; under a plain ``rq worker phonecapture`` it builds the app from
``FLASK_APP`` (or ``PHONECAPTURE_APP``) once per process.

``send_message`` never raises for a provider error, so RQ's own failure handling
(``on_failure`` on every attempt, ``Retry``, abandoned jobs) is never part of the
bookkeeping: retries are rows put back to ``pending`` with a later ``not_before`` plus an
RQ scheduler wake-up, and the sweeper re-enqueues any due row whose wake-up was lost.
"""
from __future__ import annotations

import logging
import os
import random
import time
from contextlib import contextmanager
from datetime import timedelta, timezone
from urllib.parse import quote

from flask import current_app, has_app_context
from sqlalchemy import case, select, update

from ..extension import get_state
from ..models import Contact, Message, Suppression, utcnow
from . import switches
from .alerts import alert
from .outbox import CLAIMABLE, PROMOTIONAL, RANK, below, body_context
from .providers._transport import AMBIGUOUS_REASONS
from .providers.base import OutOfCreditError, PermanentError, ProviderError, RetryableError
from .runtime import runtime

log = logging.getLogger("flask_phonecapture")
_app = None

#: default retry delays for retryable provider errors, seconds (PHONECAPTURE_SMS_BACKOFF)
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
        state = get_state()
        try:
            _keep_sweep_scheduled(state)
            return _send(state, message_id)
        finally:
            _end_transaction(state)


def _end_transaction(state) -> None:
    """Every write above is committed; end the read that may still be open, so a worker never
    sits "idle in transaction" between jobs (holding locks that block migrations and vacuum)."""
    try:
        state.db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the next job reconnects
        pass


def sweep(older_than_s: int | None = None) -> int:
    """Scheduled job: re-enqueue stale rows (see :func:`outbox.sweep`), erase numbers past their
    retention (:func:`..privacy.sweep_retention`), then book the next run."""
    from .outbox import sweep as sweep_outbox

    with app_context():
        state = get_state()
        try:
            count = sweep_outbox(state, older_than_s=older_than_s)
            _end_transaction(state)
            try:
                _retention_hourly(state)
            except Exception as exc:  # noqa: BLE001 - the outbox sweep is done; retention waits an hour
                _end_transaction(state)
                log.error("phonecapture: retention pass failed (%s)", type(exc).__name__)
            return count
        finally:
            _end_transaction(state)
            schedule_next_sweep(state)


#: seconds between two retention passes of one worker (privacy.sweep_retention reads every
#: contact's last submission: an hourly pass, not one per sweep)
RETENTION_EVERY_S = 3600


def _retention_hourly(state) -> None:
    rt = runtime()
    if rt.retention_at is not None and time.monotonic() - rt.retention_at < RETENTION_EVERY_S:
        return
    rt.retention_at = time.monotonic()
    from ..privacy import sweep_retention

    sweep_retention(state)  # numbers kept past their retention days are erased


def schedule_next_sweep(state) -> None:
    interval = current_app.config["PHONECAPTURE_SWEEP_INTERVAL_S"]
    if interval and hasattr(state.queue, "schedule_sweep"):
        try:
            state.queue.schedule_sweep(interval)
        except Exception as exc:  # noqa: BLE001 - next worker start or send tries again
            log.warning("phonecapture: could not schedule the sweep (%s)", type(exc).__name__)


def _keep_sweep_scheduled(state) -> None:
    interval = current_app.config["PHONECAPTURE_SWEEP_INTERVAL_S"]
    rt = runtime()
    if interval and time.monotonic() - rt.sweep_checked_at > interval:
        rt.sweep_checked_at = time.monotonic()
        schedule_next_sweep(state)


# ---------------------------------------------------------------------------- sending

class _Row:
    """The columns a send needs, read in one query (no ORM object to expire on commit)."""

    __slots__ = ("id", "status", "not_before", "kind", "purpose", "sequence", "body_enc",
                 "idempotency_key", "attempts", "contact_id", "e164_enc", "blind_index",
                 "contact_status")

    def __init__(self, row):
        for name in self.__slots__:
            setattr(self, name, getattr(row, name))


_COLUMNS = (Message.id, Message.status, Message.not_before, Message.kind, Message.purpose,
            Message.sequence, Message.body_enc, Message.idempotency_key, Message.attempts,
            Message.contact_id, Contact.e164_enc, Contact.blind_index,
            Contact.status.label("contact_status"))

#: seconds a worker trusts its last look at the pause switch (one query saved per send)
PAUSE_CHECK_S = 2.0


def _paused_until(state):
    rt = runtime()
    now = time.monotonic()
    cached = rt.pause_cache
    if cached is None or now - cached[0] > PAUSE_CHECK_S:
        cached = rt.pause_cache = (now, switches.active_until(state, switches.PAUSED))
    return cached[1]


def _send(state, message_id: str) -> str:
    session = state.db.session
    now = utcnow()
    found = session.execute(select(*_COLUMNS).join(Contact, Contact.id == Message.contact_id,
                                                   isouter=True)
                            .where(Message.id == message_id)).first()
    if found is None or found.status not in CLAIMABLE:
        session.commit()
        return "skipped"  # sent already, cancelled, or another worker has it
    message = _Row(found)
    if message.not_before > now:
        session.commit()
        return "skipped"  # not due: its wake-up (or the sweeper) comes back later

    paused = _paused_until(state)
    if paused is not None and paused > now:
        return _defer(state, message, paused, "paused: provider out of credit")

    if message.e164_enc is None or message.body_enc is None:
        return _cancel(session, message, "contact erased")
    to = state.keyring.decrypt(message.e164_enc,
                               f"phonecapture_contact.e164_enc.{message.contact_id}")
    if message.kind != "otp":
        refusal = _refusal(state, message, to)
        if refusal:
            return _cancel(session, message, refusal)
    if message.kind in PROMOTIONAL:
        from .sequences import next_send_time

        allowed = next_send_time(state, message.sequence, to, now)
        if allowed > now:
            return _defer(state, message, allowed, "quiet hours")

    claimed = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status.in_(CLAIMABLE), Message.not_before <= now)
        .values(status="sending", attempts=Message.attempts + 1, updated_at=now)).rowcount
    session.commit()
    if not claimed:
        return "skipped"
    message.attempts += 1

    provider = state.provider
    try:
        body = state.keyring.decrypt(message.body_enc, body_context(message.id))
        callback = status_callback(state, provider, message)
    except Exception:
        _back_to_pending(session, message, "could not prepare the message", undo_attempt=True)
        raise
    try:
        result = provider.send(to, body, idempotency_key=message.idempotency_key,
                               status_callback=callback)
    except RetryableError as exc:
        return _retryable(state, provider, message, exc)
    except OutOfCreditError as exc:
        return _out_of_credit(state, provider, message, exc)
    except PermanentError as exc:
        _mark(session, message.id, "failed", f"{exc.reason}: {exc}")
        if exc.reason == "opted_out":
            from .inbound import provider_opt_out

            provider_opt_out(state, message.id)
        return "failed"
    except ProviderError as exc:
        _mark(session, message.id, "failed", f"{exc.reason}: {exc}")
        return "failed"
    except Exception as exc:  # a bug or a transport we did not sort: it may have gone out
        _mark(session, message.id, "unknown", f"unexpected {type(exc).__name__}")
        log.exception("phonecapture: unexpected error while sending message %s", message.id)
        return "unknown"
    _record_sent(state, provider, message, result, keyed_callback=callback is not None and
                 provider.name in ("twilio", "smsaero"))
    return result.status


def status_callback(state, provider, message) -> str | None:
    """Receipt URL for this message: public URL + hook path, carrying the message key so a
    receipt can find the row even before the provider id is known (signed by the scheme)."""
    config = current_app.config
    public = config.get("PHONECAPTURE_PUBLIC_URL")
    if not public or not provider.per_message_callback:
        return None
    prefix = config["PHONECAPTURE_URL_PREFIX"].rstrip("/")
    url = f"{public.rstrip('/')}{prefix}/hooks/{provider.name}/status"
    if provider.name == "smsaero":
        secret = config.get("PHONECAPTURE_SMSAERO_CALLBACK_SECRET")
        if not secret:
            return None
        from .signatures import sign_callback_url

        return sign_callback_url(url, secret, message.idempotency_key)
    return f"{url}?m={quote(message.idempotency_key, safe='')}"


def _refusal(state, message, e164: str) -> str | None:
    """Why a non-code message must not go out now (consent gone, number suppressed). The number
    is looked up under the message's index and under its index by every key held (retired ones
    included): a STOP recorded before the index key was replaced still holds."""
    if message.purpose:
        from ..consent import has_consent

        if not has_consent(state, message.contact_id, message.purpose):
            return f"no consent for {message.purpose}"
    scopes = ["all", "marketing"] if message.kind in PROMOTIONAL else ["all"]
    indexes = {message.blind_index, *state.keyring.blind_indexes(e164)} - {None}
    if state.db.session.execute(
            select(Suppression.id).where(Suppression.blind_index.in_(sorted(indexes)),
                                         Suppression.scope.in_(scopes)).limit(1)).first():
        return "number is on the suppression list"
    return None


def _record_sent(state, provider, message, result, keyed_callback: bool = False) -> None:
    session = state.db.session
    new = result.status if result.status in RANK else "sent"
    session.execute(
        update(Message).where(Message.id == message.id)
        .values(provider=provider.name, provider_id=result.provider_id, sent_at=utcnow(),
                body_enc=None, updated_at=utcnow(),
                # a receipt may have moved the row already: never move it back
                status=case((Message.status.in_(below(new)), new), else_=Message.status)))
    if keyed_callback:  # a receipt carrying our key never waits in the early-receipt table
        session.commit()
    else:
        from .receipts import apply_early

        # Receipts that raced the send answer land in the same commit as the provider id (no
        # one sees "sent" after "delivered" came), and once more after it: a receipt stored
        # while this commit was in flight is picked up here or by the hook's own second look.
        apply_early(state, message.id, provider.name, result.provider_id, commit=False)
        session.commit()
        apply_early(state, message.id, provider.name, result.provider_id)
    if message.kind != "otp":  # codes are counted when they are requested (antipump)
        from .antipump import count_sent

        count_sent(state)


def _retryable(state, provider, message, exc: RetryableError) -> str:
    session = state.db.session
    if exc.reason in AMBIGUOUS_REASONS and not provider.idempotent:
        # The provider may hold it: a resend could deliver twice. A receipt (matched by the
        # key in the callback URL) or a status lookup settles it; nobody resends it blindly.
        _mark(session, message.id, "unknown", f"{exc.reason}: {exc}")
        log.warning("phonecapture: message %s is unknown after %s; not resent", message.id,
                    exc.reason)
        return "unknown"
    backoff = current_app.config.get("PHONECAPTURE_SMS_BACKOFF") or BACKOFF
    attempt = message.attempts
    if attempt > len(backoff):
        _mark(session, message.id, "failed", f"gave up after {attempt} attempts: {exc.reason}")
        return "failed"
    delay = exc.retry_after if exc.retry_after is not None else \
        backoff[attempt - 1] * (0.8 + 0.4 * random.random())
    at = utcnow() + timedelta(seconds=delay)
    _back_to_pending(session, message, f"{exc.reason}: {exc}", not_before=at)
    try:
        state.queue.enqueue_send(message.id, delay_s=max(delay, 0.001), attempt=attempt)
    except Exception:  # noqa: BLE001 - the sweeper will find the due row
        pass
    return "retry"


def _out_of_credit(state, provider, message, exc) -> str:
    seconds = current_app.config["PHONECAPTURE_SMS_PAUSE_S"]
    until = switches.set_switch(state, switches.PAUSED, seconds, f"out_of_credit: {exc.reason}")
    runtime().pause_cache = (time.monotonic(), until)  # this worker stops at once
    alert("out_of_credit", f"SMS provider {provider.name} is out of credit; sending paused "
          f"until {until:%Y-%m-%d %H:%M} UTC", provider=provider.name, until=until)
    _back_to_pending(state.db.session, message, f"out_of_credit: {exc.reason}", not_before=until,
                     undo_attempt=True)  # not the message's fault: no attempt burned
    _wake_at(state, message.id, until)
    return "paused"


def _defer(state, message, at, why: str) -> str:
    session = state.db.session
    moved = session.execute(update(Message).where(Message.id == message.id,
                                                  Message.status.in_(CLAIMABLE))
                            .values(not_before=at, updated_at=utcnow(), last_error=why)).rowcount
    session.commit()
    if moved:
        _wake_at(state, message.id, at)
    return "deferred"


def _wake_at(state, message_id: str, at) -> None:
    delay = max(0.001, (at - utcnow()).total_seconds())
    try:
        state.queue.enqueue_send(message_id, delay_s=delay,
                                 tag=f"at{int(at.replace(tzinfo=timezone.utc).timestamp())}")
    except Exception:  # noqa: BLE001 - the sweeper sends it when due
        pass


def _cancel(session, message, reason: str) -> str:
    session.execute(update(Message).where(Message.id == message.id, Message.status.in_(CLAIMABLE))
                    .values(status="cancelled", body_enc=None, last_error=reason[:255],
                            updated_at=utcnow()))
    session.commit()
    return "cancelled"


def _mark(session, message_id: str, status: str, error: str) -> None:
    """Finish a claimed row; a receipt that already moved it further wins."""
    values = dict(updated_at=utcnow(), last_error=str(error)[:255],
                  status=case((Message.status.in_(["sending", *below(status)]), status),
                              else_=Message.status))
    if status == "failed":
        values["body_enc"] = None
    session.execute(update(Message).where(Message.id == message_id).values(**values))
    session.commit()


def _back_to_pending(session, message, error: str, *, not_before=None, undo_attempt=False):
    values = dict(status="pending", updated_at=utcnow(), last_error=str(error)[:255])
    if not_before is not None:
        values["not_before"] = not_before
    if undo_attempt:
        values["attempts"] = Message.attempts - 1
    session.execute(update(Message).where(Message.id == message.id, Message.status == "sending")
                    .values(**values))
    session.commit()


#: seconds between RQ's worker maintenance runs (RQ's default is 600). Maintenance restarts
#: the scheduler process, which dies when Redis goes away; until then retries and wake-ups
#: wait (the rows are safe in the database either way).
WORKER_MAINTENANCE_S = 30


def on_worker_start(state) -> dict:
    """``flask phonecapture worker`` calls this once: load phonenumbers' time-zone data now (not
    on the first send, and before RQ forks), and book the periodic sweep. Returns keyword
    arguments for the RQ worker."""
    from . import quiet_hours

    quiet_hours.preload()
    schedule_next_sweep(state)
    return {"maintenance_interval": WORKER_MAINTENANCE_S}
