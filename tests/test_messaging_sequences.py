"""Sequences and quiet hours with a frozen clock: confirmation, follow-ups, reminders."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from flask_phonecapture.extension import get_state
from flask_phonecapture.messaging import jobs, outbox
from flask_phonecapture.messaging.sequences import next_send_time
from flask_phonecapture.models import Message, utcnow
from tests.conftest import sent_codes, submit
from tests.messaging_helpers import freeze, messages, record_queue, verified_contact

SEQUENCES = {
    "welcome": {"trigger": "verified", "forms": ["callback", "world"], "steps": [
        {"template": "confirmation", "after": "0s", "purpose": "service_sms"},
        {"template": "followup", "after": "1d", "purpose": "marketing_sms"},
        {"template": "marketing", "kind": "marketing", "after": "3d", "purpose": "marketing_sms",
         "offer": "Скидка 10% на улун до воскресенья."},
    ]},
    "visit": {"trigger": "manual", "steps": [
        {"template": "reminder", "before": "1d", "purpose": "service_sms"}]},
    "moscow": {"trigger": "manual", "timezone": "Europe/Moscow", "quiet_hours": "10:00-20:00",
               "steps": [{"template": "followup", "after": "0s", "purpose": "marketing_sms"}]},
}


@pytest.fixture
def seq_app(make_app):
    app, _ = make_app(PHONECAPTURE_SEQUENCES=SEQUENCES, PHONECAPTURE_BRAND="Чайная лавка",
                      PHONECAPTURE_PUBLIC_URL="https://shop.example")
    return app


def verify_through_api(app, capsys, run_jobs, consents, phone="8 912 345-67-89", form_id="callback"):
    client = app.test_client()
    response = submit(client, phone, form_id=form_id, consents=consents)
    assert response.status_code == 201, response.json
    run_jobs()
    code = sent_codes(capsys)[-1]
    verified = client.post(f"/phonecapture/api/v1/submissions/{response.json['id']}/verify",
                           json={"code": code})
    assert verified.status_code == 200, verified.json
    run_jobs()
    return response.json["id"]


def test_verification_sends_the_confirmation_at_once_and_schedules_follow_ups(seq_app, capsys, run_jobs):
    before = utcnow()
    verify_through_api(seq_app, capsys, run_jobs, {"service_sms": True, "marketing_sms": True})
    out = capsys.readouterr().out
    assert "заявка принята" in out.lower()  # the confirmation went out through the console
    rows = {m.template: m for m in messages(seq_app) if m.sequence == "welcome"}
    assert rows["confirmation"].status == "delivered"
    assert rows["confirmation"].sent_at - before < timedelta(minutes=2)
    assert rows["followup"].status == "pending" and rows["marketing"].status == "pending"
    assert abs(rows["followup"].not_before - before - timedelta(days=1)) < timedelta(minutes=1)
    assert abs(rows["marketing"].not_before - before - timedelta(days=3)) < timedelta(minutes=1)
    assert rows["followup"].purpose == rows["marketing"].purpose == "marketing_sms"


def test_steps_without_their_consent_are_skipped(seq_app, capsys, run_jobs):
    verify_through_api(seq_app, capsys, run_jobs, {"service_sms": True})
    assert [m.template for m in messages(seq_app) if m.sequence] == ["confirmation"]


def test_marketing_step_carries_the_unsubscribe_link_and_the_offer(seq_app):
    record_queue(seq_app)
    contact_id, sid = verified_contact(seq_app)
    with seq_app.app_context():
        from flask_phonecapture.messaging.sequences import start_on_verified
        from flask_phonecapture.models import Submission

        state = get_state()
        start_on_verified(state, state.db.session.get(Submission, sid))
        state.db.session.commit()
        row = state.db.session.execute(select(Message).where(Message.template == "marketing")).scalar_one()
        body = state.keyring.decrypt(row.body_enc, outbox.body_context(row.id))
    assert "Скидка 10% на улун" in body and "https://shop.example/phonecapture/u/" in body


def test_withdrawal_cancels_what_is_pending(seq_app, capsys, run_jobs):
    verify_through_api(seq_app, capsys, run_jobs, {"service_sms": True, "marketing_sms": True})
    contact_id = messages(seq_app)[0].contact_id
    with seq_app.app_context():
        from flask_phonecapture.messaging.links import make_token

        token = make_token(get_state(), contact_id)
    seq_app.test_client().post(f"/phonecapture/u/{token}")
    statuses = {m.template: m.status for m in messages(seq_app) if m.sequence == "welcome"}
    assert statuses == {"confirmation": "delivered", "followup": "cancelled", "marketing": "cancelled"}


def test_follow_up_due_at_night_is_deferred_to_the_morning_not_dropped(seq_app, monkeypatch):
    queue = record_queue(seq_app)
    contact_id, sid = verified_contact(seq_app, phone="+7 495 123-45-67")  # Moscow, UTC+3
    night = datetime(2026, 12, 1, 20, 30)        # 23:30 in Moscow
    freeze(monkeypatch, night)
    mid = _add(seq_app, contact_id, "followup", night)
    with seq_app.app_context():
        assert jobs.send_message(mid) == "deferred"
    row = next(m for m in messages(seq_app) if m.id == mid)
    assert row.status == "pending" and row.not_before == datetime(2026, 12, 2, 6, 0)  # 09:00 MSK
    assert queue.calls[-1][0] == mid and queue.calls[-1][1] == pytest.approx(9.5 * 3600)
    morning = datetime(2026, 12, 2, 6, 0)
    freeze(monkeypatch, morning)
    with seq_app.app_context():
        assert jobs.send_message(mid) == "delivered"


def test_codes_and_confirmations_ignore_quiet_hours(seq_app, monkeypatch):
    record_queue(seq_app)
    contact_id, _ = verified_contact(seq_app, phone="+7 495 123-45-67")
    night = datetime(2026, 12, 1, 22, 0)
    freeze(monkeypatch, night)
    mid = _add(seq_app, contact_id, "confirmation", night)
    with seq_app.app_context():
        assert jobs.send_message(mid) == "delivered"


def _add(app, contact_id, kind, at):
    with app.app_context():
        state = get_state()
        row = outbox.add_message(state, contact_id=contact_id, kind=kind, body="Текст",
                                 purpose="marketing_sms" if kind == "followup" else None,
                                 not_before=at, sequence="welcome")
        state.db.session.commit()
        return row.id


@pytest.mark.parametrize("number,now,expected", [
    # Moscow, UTC+3: 05:00 UTC is 08:00 -> 09:00 MSK = 06:00 UTC
    ("+74951234567", datetime(2026, 12, 1, 5, 0), datetime(2026, 12, 1, 6, 0)),
    ("+74951234567", datetime(2026, 12, 1, 12, 0), datetime(2026, 12, 1, 12, 0)),
    # Vladivostok, UTC+10: 12:00 UTC is 22:00 -> next 09:00 = 23:00 UTC
    ("+74232234567", datetime(2026, 12, 1, 12, 0), datetime(2026, 12, 1, 23, 0)),
    ("+74232234567", datetime(2026, 12, 1, 0, 0), datetime(2026, 12, 1, 0, 0)),
    # New York, UTC-5 in December, UTC-4 in July (DST)
    ("+12125550123", datetime(2026, 12, 1, 3, 0), datetime(2026, 12, 1, 14, 0)),
    ("+12125550123", datetime(2026, 7, 1, 3, 0), datetime(2026, 7, 1, 13, 0)),
    # Russian mobile, every zone UTC+2..+12: only 07:00-09:00 UTC is daytime everywhere
    ("+79123456789", datetime(2026, 12, 1, 10, 0), datetime(2026, 12, 2, 7, 0)),
])
def test_quiet_hours_in_the_recipients_time_zone(seq_app, number, now, expected):
    with seq_app.app_context():
        assert next_send_time(get_state(), "welcome", number, now) == expected


def test_a_sequence_time_zone_decides_for_numbers_in_many_zones(seq_app):
    with seq_app.app_context():
        # 18:00 UTC = 21:00 Moscow: outside 10:00-20:00 -> 07:00 UTC (10:00 MSK) next day
        assert next_send_time(get_state(), "moscow", "+79123456789", datetime(2026, 12, 1, 18, 0)) \
            == datetime(2026, 12, 2, 7, 0)
        assert next_send_time(get_state(), "moscow", "+79123456789", datetime(2026, 12, 1, 9, 0)) \
            == datetime(2026, 12, 1, 9, 0)


def test_schedule_a_reminder_before_a_host_supplied_date(seq_app, monkeypatch):
    queue = record_queue(seq_app)
    contact_id, _ = verified_contact(seq_app)
    now = datetime(2026, 12, 1, 10, 0)
    freeze(monkeypatch, now)
    visit = datetime(2026, 12, 5, 15, 30)
    queue.calls.clear()  # the code SMS of the submission
    ext = seq_app.extensions["phonecapture"].extension
    with seq_app.app_context():
        [mid] = ext.schedule(contact_id, "visit", at=visit)
        again = ext.schedule(contact_id, "visit", at=visit)  # the host app calls twice
    assert again == []
    row = next(m for m in messages(seq_app) if m.id == mid)
    assert row.kind == "reminder" and row.not_before == datetime(2026, 12, 4, 15, 30)
    assert queue.calls == [(mid, pytest.approx(3 * 86400 + 5.5 * 3600), 0, None)]
    with seq_app.app_context():
        state = get_state()
        body = state.keyring.decrypt(row.body_enc, outbox.body_context(row.id))
    assert "05.12.2026 15:30" in body
    with seq_app.app_context():  # a date in the past schedules nothing
        assert ext.schedule(contact_id, "visit", at=datetime(2026, 11, 1)) == []


def test_due_rows_live_in_the_database_and_the_sweeper_sends_them(seq_app, monkeypatch):
    """Redis is never the only place a due message exists: lose every wake-up, it still goes out."""
    record_queue(seq_app)  # wake-ups go nowhere
    contact_id, _ = verified_contact(seq_app, phone="+7 495 123-45-67")
    mid = _add(seq_app, contact_id, "followup", datetime(2026, 12, 2, 9, 0))
    freeze(monkeypatch, datetime(2026, 12, 2, 9, 5))
    from flask_phonecapture.messaging.queue import InlineQueue

    with seq_app.app_context():
        state = get_state()
        state.queue = InlineQueue()
        assert outbox.sweep(state) == 2  # the follow-up and the code nobody sent
    assert next(m for m in messages(seq_app) if m.id == mid).status == "delivered"


def test_invalid_sequences_stop_the_app(make_app):
    with pytest.raises(RuntimeError, match=r"PHONECAPTURE_SEQUENCES\['x'\] is invalid: steps.0.after"):
        make_app(PHONECAPTURE_SEQUENCES={"x": {"steps": [{"template": "followup", "after": "soon",
                                                          "purpose": "marketing_sms"}]}})
    with pytest.raises(RuntimeError, match="no SMS template named 'nope'"):
        make_app(PHONECAPTURE_SEQUENCES={"x": {"steps": [{"template": "nope",
                                                          "purpose": "marketing_sms"}]}})


def test_marketing_steps_need_a_public_url_for_their_link(make_app):
    with pytest.raises(RuntimeError, match="set PHONECAPTURE_PUBLIC_URL"):
        make_app(PHONECAPTURE_SEQUENCES={"promo": {"trigger": "verified", "steps": [
            {"template": "marketing", "kind": "marketing", "after": "3d", "purpose": "marketing_sms",
             "offer": "Скидка"}]}})
