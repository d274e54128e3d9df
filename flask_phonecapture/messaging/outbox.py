"""The outbox: a message row is written in the caller's transaction and dispatched after commit.

If dispatch fails (Redis down), the row stays ``pending`` and the sweeper picks it
up; the visitor's submission is never lost because the queue was unavailable.

Statuses: pending -> (enqueued) -> sending -> sent -> delivered | failed; also cancelled
(consent gone, suppressed, erased) and unknown (the provider may or may not hold it:
never resent blindly). Status only moves forward: see :data:`RANK`.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from ..models import Message, Submission, new_id, utcnow

log = logging.getLogger("flask_phonecapture")

#: statuses a sender may claim
CLAIMABLE = ("pending", "enqueued")
#: how far along a message is; receipts and send results only ever raise it
RANK = {"pending": 0, "enqueued": 0, "sending": 0, "unknown": 0, "sent": 1, "delivered": 2,
        "failed": 2, "cancelled": 3}
#: kinds that need marketing-level consent and obey quiet hours and the suppression list
PROMOTIONAL = ("followup", "marketing")
#: kinds that are answers to the visitor's own action: exempt from quiet hours
TRANSACTIONAL = ("otp", "confirmation", "reminder", "help", "stop_confirm")


def below(status: str) -> list[str]:
    """Statuses a row may be in for ``status`` to be an improvement."""
    return [s for s, rank in RANK.items() if rank < RANK[status]]


def body_context(message_id: str) -> str:
    return f"phonecapture_message.body_enc.{message_id}"


def add_message(state, *, contact_id: str, kind: str, body: str, template: str = "",
                submission_id: str | None = None, idempotency_key: str | None = None,
                not_before: datetime | None = None, sequence: str | None = None,
                step: int | None = None, purpose: str | None = None, locale: str = "") -> Message:
    message_id = new_id()
    if kind == "otp" and current_app.config["PHONECAPTURE_SMS_LINK_IN_FIRST"]:
        body = _with_first_link(state, contact_id, submission_id, body)
    row = Message(id=message_id, contact_id=contact_id, submission_id=submission_id, kind=kind,
                  template=template, status="pending",
                  body_enc=state.keyring.encrypt(body, body_context(message_id)),
                  idempotency_key=idempotency_key or f"msg-{message_id}",
                  not_before=not_before or utcnow(), sequence=sequence, step=step,
                  purpose=purpose, locale=locale or "")
    state.db.session.add(row)
    return row


LINK_LINE = {"ru": "Отписка: {link}", "en": "Unsubscribe: {link}"}


def _with_first_link(state, contact_id: str, submission_id: str | None, body: str) -> str:
    """The first SMS to a contact carries the unsubscribe link (on its own line, before the
    WebOTP line, which must stay last)."""
    from .links import unsubscribe_url

    earlier = state.db.session.execute(
        select(Message.id).where(Message.contact_id == contact_id).limit(1)).first()
    if earlier is not None:
        return body
    url = unsubscribe_url(state, contact_id)
    if url is None:
        return body
    locale = "en"
    if submission_id:
        locale = state.db.session.execute(
            select(Submission.locale).where(Submission.id == submission_id)).scalar() or "en"
    line = LINK_LINE.get(locale, LINK_LINE["en"]).format(link=url)
    head, sep, webotp = body.rpartition("\n\n@")
    if sep:
        return f"{head}\n{line}\n\n@{webotp}"
    return f"{body}\n{line}"


def dispatch(state, message_ids: list[str]) -> None:
    """Hand committed rows to the queue; errors leave them pending for the sweeper.

    After the queue was unreachable, the first enqueue that works also books a sweep right
    away: rows written during the outage go out as soon as Redis is back, even if Redis came
    back empty (and the periodic sweep it held was lost with it).
    """
    from .runtime import runtime

    rt = runtime()
    for message_id in message_ids:
        try:
            state.queue.enqueue_send(message_id)
        except Exception as exc:  # the queue is optional for correctness; the row is not
            rt.enqueue_failed = True
            log.warning("phonecapture: could not enqueue message %s (%s); the sweeper will retry",
                        message_id, type(exc).__name__)
            continue
        if rt.enqueue_failed and hasattr(state.queue, "schedule_sweep"):
            rt.enqueue_failed = False
            try:
                state.queue.schedule_sweep(current_app.config["PHONECAPTURE_SWEEP_INTERVAL_S"] or 60,
                                           now=True)
            except Exception:  # noqa: BLE001 - the periodic sweep still comes
                rt.enqueue_failed = True


def schedule_wakeups(state, rows: list[tuple[str, datetime]]) -> list[str]:
    """Dispatch rows due now; ask RQ's scheduler to wake the later ones. Returns due ids.

    The database row (``not_before``) is the schedule; the RQ job is only an alarm clock,
    and the sweeper re-enqueues any due row whose alarm was lost.
    """
    now = utcnow()
    due = [mid for mid, at in rows if at <= now]
    dispatch(state, due)
    for message_id, at in rows:
        if at > now:
            try:
                state.queue.enqueue_send(message_id, delay_s=(at - now).total_seconds(),
                                         attempt=0)
            except Exception as exc:  # noqa: BLE001
                log.warning("phonecapture: could not schedule message %s (%s); the sweeper "
                            "will send it when due", message_id, type(exc).__name__)
    return due


def cancel_pending(state, contact_id: str, *, kinds: tuple[str, ...] | None = None,
                   purposes: list[str] | None = None, reason: str) -> int:
    """Cancel rows not yet handed to a provider (matching ``kinds`` or ``purposes``)."""
    stmt = update(Message).where(Message.contact_id == contact_id, Message.status.in_(CLAIMABLE))
    conditions = []
    if kinds:
        conditions.append(Message.kind.in_(kinds))
    if purposes:
        conditions.append(Message.purpose.in_(purposes))
    if conditions:
        stmt = stmt.where(or_(*conditions))
    result = state.db.session.execute(stmt.values(status="cancelled", body_enc=None,
                                                  last_error=reason[:255], updated_at=utcnow()))
    return result.rowcount or 0


def sweep(state, older_than_s: int | None = None, limit: int = 500) -> int:
    """Re-enqueue due rows nobody picked up; rows stuck in ``sending`` become ``unknown``;
    ``unknown`` rows are reconciled (see :func:`reconcile_unknown`). Returns rows re-enqueued."""
    session = state.db.session
    now = utcnow()
    if older_than_s is None:
        older_than_s = current_app.config["PHONECAPTURE_SWEEP_STALE_S"]
    stale = now - timedelta(seconds=older_than_s)
    ids = session.execute(
        select(Message.id).where(Message.status.in_(CLAIMABLE), Message.not_before <= now,
                                 Message.updated_at <= stale)
        .order_by(Message.not_before).limit(limit)).scalars().all()
    sending_timeout = current_app.config["PHONECAPTURE_SMS_SENDING_TIMEOUT_S"]
    stuck = session.execute(
        update(Message).where(Message.status == "sending",
                              Message.updated_at <= now - timedelta(seconds=sending_timeout))
        .values(status="unknown", last_error="stuck in sending; not resent blindly",
                updated_at=now)).rowcount
    if ids:  # touch them so two sweepers in a row don't enqueue the same rows twice
        session.execute(update(Message).where(Message.id.in_(ids), Message.status.in_(CLAIMABLE))
                        .values(updated_at=now))
    session.commit()
    dispatch(state, list(ids))
    if stuck:
        log.warning("phonecapture: %d message(s) were stuck in sending and are now unknown", stuck)
    from .receipts import reconcile_unknown, purge_receipts

    reconcile_unknown(state, limit=limit)
    purge_receipts(state)
    return len(ids)
