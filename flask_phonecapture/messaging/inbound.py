"""Opting out, whichever way it comes: an inbound STOP, the unsubscribe link, or the provider
telling us the number had opted out (Twilio 21610, SMS.ru stop list).

All of them withdraw the ``PHONECAPTURE_UNSUBSCRIBE_PURPOSES`` consents, put the number's
blind index on the suppression list (scope ``marketing``) and cancel every pending
follow-up/marketing message. Only an inbound STOP is answered, once, with a confirmation
that carries no marketing. START is recorded but does not restore consent (that takes the
consent form again); HELP is answered with the sender's name and how to stop.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import consent
from ..models import Contact, KeywordEvent, Message, Submission, Suppression, utcnow
from . import keywords
from .outbox import PROMOTIONAL, add_message, cancel_pending, dispatch

log = logging.getLogger("flask_phonecapture")


def _purposes() -> list[str]:
    return list(current_app.config["PHONECAPTURE_UNSUBSCRIBE_PURPOSES"] or ["marketing_sms"])


def suppress(state, blind_index: str, reason: str, scope: str = "marketing") -> None:
    session = state.db.session
    exists = session.execute(select(Suppression.id).where(Suppression.blind_index == blind_index,
                                                          Suppression.scope == scope)).first()
    if exists:
        return
    try:
        with session.begin_nested():
            session.add(Suppression(blind_index=blind_index, scope=scope, reason=reason[:32]))
    except IntegrityError:
        pass  # another request added it right now


def withdraw_marketing(state, contact: Contact, channel: str) -> int:
    """Withdraw, suppress, cancel (in the caller's transaction). Returns consents withdrawn."""
    changed = consent.withdraw(state, contact.id, _purposes(), channel=channel)
    if contact.blind_index:
        suppress(state, contact.blind_index, reason=f"optout_{channel}")
    cancel_pending(state, contact.id, kinds=PROMOTIONAL, purposes=_purposes(),
                   reason=f"consent withdrawn ({channel})")
    return changed


def provider_opt_out(state, message_id: str) -> None:
    """The provider refused or failed a message because the number opted out with it."""
    session = state.db.session
    message = session.get(Message, message_id)
    contact = session.get(Contact, message.contact_id) if message else None
    if contact is None:
        return
    withdraw_marketing(state, contact, channel="provider")
    session.commit()


def _locale(state, contact_id: str) -> str:
    locale = state.db.session.execute(
        select(Submission.locale).where(Submission.contact_id == contact_id)
        .order_by(Submission.created_at.desc()).limit(1)).scalar()
    return locale or "en"


def _reply(state, contact: Contact, template: str, key: str) -> str | None:
    from .runtime import runtime

    text = runtime().templates.render(template, _locale(state, contact.id)).text
    message = add_message(state, contact_id=contact.id, kind=template, body=text,
                          template=template, idempotency_key=key)
    return message.id


def handle(state, provider: str, from_e164: str, text: str, provider_message_id: str = "") -> str:
    """Act on an inbound SMS; returns the keyword acted on (stop/start/help) or "ignored"."""
    from ..contacts import find_by_e164

    word = keywords.classify(text)
    if word is None:
        return "ignored"
    session = state.db.session
    contact = find_by_e164(state, from_e164)
    blind = contact.blind_index if contact is not None else state.keyring.blind_index(from_e164)
    session.add(KeywordEvent(contact_id=contact.id if contact else None, blind_index=blind,
                             keyword=word, provider=provider, received_at=utcnow()))
    reply_id = None
    if word == keywords.STOP:
        if contact is not None:
            withdraw_marketing(state, contact, channel="sms")
            # one confirmation per STOP message (the provider's id makes a retried webhook a no-op)
            key = f"stop-{provider}-{provider_message_id or utcnow().timestamp()}"
            if not session.execute(select(Message.id).where(Message.idempotency_key == key)).first():
                reply_id = _reply(state, contact, "stop_confirm", key)
        else:
            suppress(state, blind, reason="optout_sms")
    elif word == keywords.HELP and contact is not None:
        key = f"help-{provider}-{provider_message_id or utcnow().timestamp()}"
        if not session.execute(select(Message.id).where(Message.idempotency_key == key)).first():
            reply_id = _reply(state, contact, "help", key)
    # START: recorded above; marketing consent comes back only through the consent form.
    session.commit()
    if reply_id:
        dispatch(state, [reply_id])
    log.info("phonecapture: inbound %s via %s", word, provider)
    return word


def forget(state, contact: Contact) -> int:
    """For erasure (privacy.erase_contact): cancel everything still pending for the contact.
    In the caller's transaction; returns rows cancelled.

    The number is not put on the suppression list: the erased contact has no number left to
    send to, and a suppression by blind index would outlive the erasure and silence the next,
    freshly consented signup of the same number (and of every number sharing its truncated
    index). A STOP said before the erasure keeps its own marketing suppression."""
    return cancel_pending(state, contact.id, reason="contact erased")
