"""Delivery receipts: idempotent, out-of-order safe, race-safe.

A receipt only ever moves a message forward (:data:`outbox.RANK`): ``delivered`` or
``failed`` never go back to ``sent``, so a replayed or late callback changes nothing.
Each move is one conditional UPDATE, so a receipt and the sending job can't overwrite
each other. A receipt may beat the provider's answer to the send call (the row has no
provider id yet): it is kept in ``phonecapture_receipt`` and applied by the job as soon
as it learns the id, or matched at once through the message key carried in the callback
URL (``?m=<idempotency key>``).
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select, update

from ..models import Message, Receipt, utcnow
from .outbox import RANK, below
from .signatures import StatusUpdate

log = logging.getLogger("flask_phonecapture")

#: early receipts nobody claimed are dropped after this long
RECEIPT_TTL = timedelta(days=2)


def advance(session, message_id: str, status: str, *, error: str | None = None,
            provider_id: str | None = None) -> bool:
    """Move ``message_id`` to ``status`` if that is forward; True when it moved."""
    values = {"status": status, "updated_at": utcnow()}
    if error and status == "failed":
        values["last_error"] = error[:255]
    if status in ("sent", "delivered", "failed"):
        values["body_enc"] = None  # the provider has it (or refused it): drop our copy
    stmt = update(Message).where(Message.id == message_id, Message.status.in_(below(status)))
    moved = bool(session.execute(stmt.values(**values)).rowcount)
    if provider_id:
        session.execute(update(Message).where(Message.id == message_id,
                                              Message.provider_id.is_(None))
                        .values(provider_id=provider_id))
    return moved


def _sent_as(session, provider: str, provider_id: str):
    """The id row of the message ``provider`` knows as ``provider_id``, or None."""
    return session.execute(select(Message.id).where(Message.provider_id == provider_id,
                                                    Message.provider == provider)).first()


def apply(state, provider: str, updates: list[StatusUpdate], message_key: str | None = None
          ) -> int:
    """Apply receipts; returns how many moved a message. Commits."""
    session = state.db.session
    moved = 0
    waiting = []  # provider ids of receipts stored as early ones
    for upd in updates:
        if upd.status not in RANK:
            continue
        row = _sent_as(session, provider, upd.provider_id)
        if row is None and message_key:
            row = session.execute(select(Message.id).where(
                Message.idempotency_key == message_key)).first()
        if row is None:
            session.add(Receipt(provider=provider, provider_id=upd.provider_id, status=upd.status,
                                error=(upd.error_reason or None) and upd.error_reason[:64]))
            waiting.append(upd.provider_id)
            continue
        if advance(session, row.id, upd.status, error=upd.error_reason,
                   provider_id=upd.provider_id):
            moved += 1
            if upd.error_reason == "twilio_21610":  # Twilio: the recipient had replied STOP
                from .inbound import provider_opt_out

                provider_opt_out(state, row.id)
    session.commit()
    # The send may have recorded its provider id while this receipt was being stored. Both
    # sides look for the other after their own commit, so one of them always sees it.
    for provider_id in waiting:
        row = _sent_as(session, provider, provider_id)
        if row is not None:
            apply_early(state, row.id, provider, provider_id)
    return moved


def apply_early(state, message_id: str, provider: str, provider_id: str, *,
                commit: bool = True) -> None:
    """After a send: apply receipts that arrived before we knew the provider id."""
    session = state.db.session
    early = session.execute(select(Receipt).where(Receipt.provider == provider,
                                                  Receipt.provider_id == provider_id)).scalars().all()
    if not early:
        return
    for receipt in sorted(early, key=lambda r: RANK.get(r.status, 0)):
        advance(session, message_id, receipt.status, error=receipt.error)
    session.execute(delete(Receipt).where(Receipt.id.in_([r.id for r in early])))
    if commit:
        session.commit()


def reconcile_unknown(state, limit: int = 200) -> int:
    """Settle ``unknown`` rows where that is safe: ask the provider by id (lookup), or hand
    the row back to the queue when the provider de-duplicates on our idempotency key.
    Rows without either stay ``unknown`` for a person to look at (never resent blindly)."""
    session = state.db.session
    provider = state.provider
    stmt = select(Message.id, Message.provider_id, Message.provider).where(Message.status == "unknown")
    if not getattr(provider, "idempotent", False):  # only rows a lookup can settle
        stmt = stmt.where(Message.provider_id.is_not(None))
    rows = session.execute(stmt.order_by(Message.updated_at).limit(limit)).all()
    settled = 0
    requeue = []
    for row in rows:
        if row.provider_id and (row.provider or provider.name) == provider.name:
            try:
                status = provider.lookup(row.provider_id)
            except Exception as exc:  # noqa: BLE001 - the next sweep tries again
                log.warning("phonecapture: status lookup failed (%s)", type(exc).__name__)
                continue
            if status and advance(session, row.id, status):
                settled += 1
            else:  # not settled: the next sweep asks about the others first
                session.execute(update(Message).where(Message.id == row.id,
                                                      Message.status == "unknown")
                                .values(updated_at=utcnow()))
        elif getattr(provider, "idempotent", False):
            moved = session.execute(update(Message).where(Message.id == row.id,
                                                          Message.status == "unknown")
                                    .values(status="pending", updated_at=utcnow())).rowcount
            if moved:
                requeue.append(row.id)
    session.commit()
    if requeue:
        from .outbox import dispatch

        dispatch(state, requeue)
    return settled + len(requeue)


def purge_receipts(state) -> None:
    session = state.db.session
    session.execute(delete(Receipt).where(Receipt.received_at < utcnow() - RECEIPT_TTL))
    session.commit()
