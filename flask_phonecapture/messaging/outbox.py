"""The outbox: a message row is written in the caller's transaction and dispatched after commit.

If dispatch fails (Redis down), the row stays ``pending`` and the sweeper picks it
up; the visitor's submission is never lost because the queue was unavailable.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..models import Message, new_id, utcnow

log = logging.getLogger("flask_phonecapture")

#: statuses a sender may claim
CLAIMABLE = ("pending", "enqueued")


def body_context(message_id: str) -> str:
    return f"phonecapture_message.body_enc.{message_id}"


def add_message(state, *, contact_id: str, kind: str, body: str, template: str = "",
                submission_id: str | None = None, idempotency_key: str | None = None,
                not_before: datetime | None = None) -> Message:
    message_id = new_id()
    row = Message(id=message_id, contact_id=contact_id, submission_id=submission_id, kind=kind,
                  template=template, status="pending",
                  body_enc=state.keyring.encrypt(body, body_context(message_id)),
                  idempotency_key=idempotency_key or f"msg-{message_id}",
                  not_before=not_before or utcnow())
    state.db.session.add(row)
    return row


def dispatch(state, message_ids: list[str]) -> None:
    """Hand committed rows to the queue; errors leave them pending for the sweeper."""
    for message_id in message_ids:
        try:
            state.queue.enqueue_send(message_id)
        except Exception as exc:  # the queue is optional for correctness; the row is not
            log.warning("phonecapture: could not enqueue message %s (%s); the sweeper will retry",
                        message_id, type(exc).__name__)


def sweep(state, older_than_s: int = 60, limit: int = 500) -> int:
    """Re-enqueue due rows nobody picked up; mark rows stuck in ``sending`` as ``unknown``."""
    session = state.db.session
    now = utcnow()
    stale = now - timedelta(seconds=older_than_s)
    ids = session.execute(
        select(Message.id).where(Message.status.in_(CLAIMABLE), Message.not_before <= now,
                                 Message.updated_at <= stale).limit(limit)).scalars().all()
    stuck = session.execute(
        update(Message).where(Message.status == "sending", Message.updated_at <= now - timedelta(minutes=10))
        .values(status="unknown", last_error="stuck in sending; not resent blindly")).rowcount
    session.commit()
    dispatch(state, list(ids))
    if stuck:
        log.warning("phonecapture: %d message(s) were stuck in sending and are now unknown", stuck)
    return len(ids)
