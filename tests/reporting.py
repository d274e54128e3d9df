"""Helpers for the source-report tests: real data through the public API."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import update

from flask_phonecapture.extension import get_state
from flask_phonecapture.models import EventCounter, Submission, utcnow
from tests.conftest import sent_codes, submit

EVENTS_URL = "/phonecapture/api/v1/events"


def beacon(client, event, times=1, form_id="callback", utm_source=None):
    source = {"utm_source": utm_source} if utm_source is not None else {}
    for _ in range(times):
        response = client.post(EVENTS_URL, json={"form_id": form_id, "event": event, "source": source,
                                                 "page_url": "https://shop.example/p"})
        assert response.status_code == 204, response.json


def lead(client, capsys, run_jobs, phone, *, verify=True, form_id="callback", name=None, consents=None,
         **source) -> str:
    """A submission through the API with ``source`` tags (and ``consents``, else the service one),
    verified with the SMS code unless ``verify`` is false; returns its id."""
    extra = {"name": name} if name else {}
    if consents is not None:
        extra["consents"] = consents
    response = submit(client, phone, form_id=form_id, source=source, **extra)
    assert response.status_code == 201, response.json
    run_jobs()
    (code,) = sent_codes(capsys)
    if verify:
        done = client.post(f"/phonecapture/api/v1/submissions/{response.json['id']}/verify", json={"code": code})
        assert done.status_code == 200, done.json
    return response.json["id"]


def today() -> date:
    return utcnow().date()


def move_submission(app, submission_id: str, when: datetime) -> None:
    """Pretend a submission was made at ``when`` (naive UTC)."""
    with app.app_context():
        session = get_state().db.session
        session.execute(update(Submission).where(Submission.id == submission_id).values(created_at=when))
        session.commit()


def move_events(app, day: date, *, source: str | None = None) -> None:
    """Move today's counters (of one source label, or all) to ``day``."""
    with app.app_context():
        session = get_state().db.session
        query = update(EventCounter).where(EventCounter.day == today())
        if source is not None:
            query = query.where(EventCounter.source == source)
        session.execute(query.values(day=day))
        session.commit()


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


def convert(app, submission_id: str, **kw):
    """Record a conversion through the extension object; returns its id."""
    with app.app_context():
        return get_state().extension.record_conversion(submission_id, **kw).id
