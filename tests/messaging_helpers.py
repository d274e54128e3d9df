"""Helpers shared by the messaging tests (not a test module)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from flask_phonecapture.extension import get_state
from flask_phonecapture.models import Consent, Message, utcnow
from tests.conftest import submit

RU_MOBILE = "+79123456789"


class RecordingQueue:
    """Stands in for the queue: records what would be enqueued, runs nothing."""

    name = "recording"

    def __init__(self):
        self.calls = []

    def enqueue_send(self, message_id, delay_s=0, attempt=0, tag=None):
        self.calls.append((message_id, delay_s, attempt, tag))

    def schedule_sweep(self, interval_s, now=False):
        self.calls.append(("sweep", interval_s, 0, None))
        return "sweep"


def messages(app, **where):
    with app.app_context():
        stmt = select(Message).order_by(Message.created_at)
        for key, value in where.items():
            stmt = stmt.where(getattr(Message, key) == value)
        return get_state().db.session.execute(stmt).scalars().all()


def record_queue(app) -> RecordingQueue:
    queue = RecordingQueue()
    with app.app_context():
        get_state().queue = queue
    return queue


def verified_contact(app, phone="8 912 345-67-89", consents=None, form_id="callback",
                     name=None) -> tuple[str, str]:
    """Submit and verify a number without any SMS going out; returns (contact id, submission id)."""
    client = app.test_client()
    extra = {"name": name} if name else {}
    response = submit(client, phone, form_id=form_id,
                      consents=consents or {"service_sms": True, "marketing_sms": True}, **extra)
    assert response.status_code == 201, response.json
    sid = response.json["id"]
    with app.app_context():
        state = get_state()
        from flask_phonecapture.models import Submission

        submission = state.db.session.get(Submission, sid)
        contact_id = submission.contact_id
        now = utcnow()
        submission.status = "verified"
        submission.verified_at = now
        state.db.session.execute(Consent.__table__.update()
                                 .where(Consent.submission_id == sid, Consent.granted.is_(True))
                                 .values(confirmed_at=now))
        state.db.session.commit()
    return contact_id, sid


def add_due(app, contact_id, kind="marketing", body="Sale today", purpose=None,
            not_before=None, sequence=None) -> str:
    from flask_phonecapture.messaging import outbox

    with app.app_context():
        state = get_state()
        row = outbox.add_message(state, contact_id=contact_id, kind=kind, body=body,
                                 purpose=purpose, not_before=not_before, sequence=sequence)
        state.db.session.commit()
        return row.id


def freeze(monkeypatch, at: datetime):
    """Freeze the messaging clock (naive UTC) at ``at``."""
    from flask_phonecapture import models
    from flask_phonecapture.messaging import jobs, outbox, receipts, sequences, switches

    for module in (jobs, outbox, receipts, sequences, switches, models):
        monkeypatch.setattr(module, "utcnow", lambda: at)
