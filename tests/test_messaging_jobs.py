"""The send job against the local protocol servers: retries, ambiguity, credit, opt-outs."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from flask_phonecapture.extension import get_state
from flask_phonecapture.messaging import alerts, jobs, outbox, switches
from flask_phonecapture.models import Consent, Message, Suppression, utcnow
from tests.messaging_helpers import add_due, messages, record_queue, verified_contact

PUBLIC = "https://shop.example"


@pytest.fixture
def twilio_app(make_app, fake_twilio):
    app, _ = make_app(PHONECAPTURE_PUBLIC_URL=PUBLIC, PHONECAPTURE_SMS_TIMEOUT=1,
                      **fake_twilio.config())
    return app


def send(app, message_id):
    with app.app_context():
        return jobs.send_message(message_id)


def only(app, message_id) -> Message:
    return next(m for m in messages(app) if m.id == message_id)


def test_code_reaches_twilio_with_a_status_callback_carrying_the_message_key(twilio_app, fake_twilio):
    record_queue(twilio_app)
    contact_id, _ = verified_contact(twilio_app)
    otp = messages(twilio_app, kind="otp")[0]
    assert send(twilio_app, otp.id) == "sent"
    [accepted] = fake_twilio.accepted
    assert accepted.to == "+79123456789"
    assert accepted.callback_url == f"{PUBLIC}/phonecapture/hooks/twilio/status?m={otp.idempotency_key}"
    row = only(twilio_app, otp.id)
    assert row.status == "sent" and row.provider == "twilio" and row.provider_id == accepted.id
    assert row.body_enc is None and row.attempts == 1


def test_first_message_to_a_contact_carries_the_unsubscribe_link_later_codes_do_not(twilio_app, fake_twilio):
    record_queue(twilio_app)
    verified_contact(twilio_app)
    otp = messages(twilio_app, kind="otp")[0]
    send(twilio_app, otp.id)
    assert f"Отписка: {PUBLIC}/phonecapture/u/" in fake_twilio.accepted[0].body
    assert fake_twilio.accepted[0].body.splitlines()[-1].startswith("@")  # WebOTP line stays last


def test_server_error_is_retried_later_with_backoff_and_counted(twilio_app, fake_twilio):
    queue = record_queue(twilio_app)
    contact_id, _ = verified_contact(twilio_app)
    mid = add_due(twilio_app, contact_id, kind="confirmation", body="Заявка принята")
    fake_twilio.fail_next(1)
    assert send(twilio_app, mid) == "retry"
    row = only(twilio_app, mid)
    assert row.status == "pending" and row.attempts == 1 and row.not_before > utcnow()
    assert row.last_error.startswith("server_error")
    assert (mid, pytest.approx(10, abs=3), 1, None) in queue.calls
    assert send(twilio_app, mid) == "skipped"  # not due yet: nothing is sent early


def test_rate_limit_honours_retry_after(twilio_app, fake_twilio):
    queue = record_queue(twilio_app)
    contact_id, _ = verified_contact(twilio_app)
    mid = add_due(twilio_app, contact_id, kind="confirmation")
    fake_twilio.rate_limit_next(1, retry_after=7)
    assert send(twilio_app, mid) == "retry"
    assert queue.calls[-1][:3] == (mid, 7, 1)


def test_ambiguous_timeout_marks_unknown_and_never_resends(twilio_app, fake_twilio):
    record_queue(twilio_app)
    contact_id, _ = verified_contact(twilio_app)
    mid = add_due(twilio_app, contact_id, kind="confirmation")
    fake_twilio.hang_next(1, seconds=3, accept=True)  # accepted, answer lost
    assert send(twilio_app, mid) == "unknown"
    assert only(twilio_app, mid).status == "unknown"
    with twilio_app.app_context():
        outbox.sweep(get_state(), older_than_s=0)
    assert send(twilio_app, mid) == "skipped"
    assert len(fake_twilio.accepted) == 1
    assert only(twilio_app, mid).status == "unknown"


def test_unknown_row_is_settled_by_the_receipt_that_carries_its_key(twilio_app, fake_twilio):
    record_queue(twilio_app)
    client = twilio_app.test_client()
    contact_id, _ = verified_contact(twilio_app)
    mid = add_due(twilio_app, contact_id, kind="confirmation")
    fake_twilio.hang_next(1, seconds=3, accept=True)
    send(twilio_app, mid)
    [accepted] = fake_twilio.accepted
    path = accepted.callback_url.replace(PUBLIC, "")
    from flask_phonecapture.messaging.signatures import twilio_signature

    form = {"MessageSid": accepted.id, "MessageStatus": "delivered", "AccountSid": fake_twilio.account_sid}
    response = client.post(path, data=form, headers={
        "X-Twilio-Signature": twilio_signature(fake_twilio.auth_token, accepted.callback_url, form)})
    assert response.status_code == 200
    row = only(twilio_app, mid)
    assert row.status == "delivered" and row.provider_id == accepted.id


def test_idempotent_gateway_gets_the_same_key_again_after_a_timeout(make_app, fake_http_gateway):
    app, _ = make_app(PHONECAPTURE_SMS_TIMEOUT=1, **fake_http_gateway.config())
    queue = record_queue(app)
    contact_id, _ = verified_contact(app)
    mid = add_due(app, contact_id, kind="confirmation")
    fake_http_gateway.hang_next(1, seconds=3, accept=True)
    assert send(app, mid) == "retry"  # safe: the gateway de-duplicates on the key
    with app.app_context():
        get_state().db.session.execute(Message.__table__.update().values(not_before=utcnow()))
        get_state().db.session.commit()
    assert send(app, mid) == "sent"
    assert len(fake_http_gateway.accepted) == 1 and fake_http_gateway.duplicates == 1
    assert only(app, mid).attempts == 2


def test_out_of_credit_pauses_every_send_and_alerts_without_burning_attempts(twilio_app, fake_twilio):
    queue = record_queue(twilio_app)
    contact_id, _ = verified_contact(twilio_app)
    first = add_due(twilio_app, contact_id, kind="confirmation")
    second = add_due(twilio_app, contact_id, kind="confirmation")
    seen = []
    alerts.sms_alert.connect(lambda sender, **kw: seen.append(kw), weak=False)
    try:
        fake_twilio.out_of_credit_next()
        assert send(twilio_app, first) == "paused"
    finally:
        alerts.sms_alert.receivers.clear()
    assert seen and seen[0]["kind"] == "out_of_credit"
    row = only(twilio_app, first)
    assert row.status == "pending" and row.attempts == 0 and row.not_before > utcnow() + timedelta(minutes=14)
    assert send(twilio_app, second) == "deferred"  # paused: nothing goes to the provider
    assert len(fake_twilio.requests_to("send")) == 1
    with twilio_app.app_context():
        assert switches.active_until(get_state(), switches.PAUSED) is not None


def test_provider_opt_out_suppresses_and_cancels_pending_marketing(twilio_app, fake_twilio):
    record_queue(twilio_app)
    contact_id, _ = verified_contact(twilio_app)
    confirmation = add_due(twilio_app, contact_id, kind="confirmation")
    promo = add_due(twilio_app, contact_id, kind="marketing", purpose="marketing_sms",
                    not_before=utcnow() + timedelta(days=1))
    fake_twilio.reject_next(reason="opted_out")
    assert send(twilio_app, confirmation) == "failed"
    assert only(twilio_app, confirmation).last_error.startswith("opted_out")
    assert only(twilio_app, promo).status == "cancelled"
    with twilio_app.app_context():
        session = get_state().db.session
        assert session.execute(select(Suppression)).scalars().one().scope == "marketing"
        marketing = session.execute(select(Consent).where(Consent.purpose == "marketing_sms")).scalar_one()
        assert marketing.withdrawn_at is not None and marketing.withdrawn_channel == "provider"


def test_invalid_number_fails_at_once(twilio_app, fake_twilio):
    record_queue(twilio_app)
    contact_id, _ = verified_contact(twilio_app)
    mid = add_due(twilio_app, contact_id, kind="confirmation")
    fake_twilio.reject_next(reason="invalid_number")
    assert send(twilio_app, mid) == "failed"
    assert only(twilio_app, mid).attempts == 1


def test_retryable_errors_give_up_after_the_backoff_runs_out(make_app, fake_twilio):
    app, _ = make_app(PHONECAPTURE_SMS_BACKOFF=[0.01], **fake_twilio.config())
    record_queue(app)
    contact_id, _ = verified_contact(app)
    mid = add_due(app, contact_id, kind="confirmation")
    fake_twilio.fail_next(2)
    assert send(app, mid) == "retry"
    with app.app_context():
        get_state().db.session.execute(Message.__table__.update().values(not_before=utcnow()))
        get_state().db.session.commit()
    assert send(app, mid) == "failed"
    row = only(app, mid)
    assert row.attempts == 2 and "gave up after 2 attempts" in row.last_error


def test_marketing_without_consent_or_for_a_suppressed_number_is_cancelled(twilio_app, fake_twilio):
    record_queue(twilio_app)
    contact_id, _ = verified_contact(twilio_app, consents={"service_sms": True})
    mid = add_due(twilio_app, contact_id, kind="marketing", purpose="marketing_sms")
    assert send(twilio_app, mid) == "cancelled"
    assert "no consent" in only(twilio_app, mid).last_error
    assert fake_twilio.requests_to("send") == []


def test_sweeper_marks_stale_sending_rows_unknown_and_looks_them_up_when_it_can(twilio_app, fake_twilio):
    record_queue(twilio_app)
    contact_id, _ = verified_contact(twilio_app)
    mid = add_due(twilio_app, contact_id, kind="confirmation")
    send(twilio_app, mid)
    sid = fake_twilio.accepted[0].id
    fake_twilio.set_status(sid, "delivered")
    with twilio_app.app_context():
        state = get_state()
        state.db.session.execute(Message.__table__.update().values(status="unknown"))
        state.db.session.commit()
        outbox.sweep(state)
    assert only(twilio_app, mid).status == "delivered"


def test_worker_start_preloads_time_zones_and_books_the_sweep(app):
    from flask_phonecapture.messaging import quiet_hours

    queue = record_queue(app)
    with app.app_context():
        jobs.on_worker_start(get_state())
    assert quiet_hours.is_preloaded()
    assert ("sweep", 60, 0, None) in queue.calls
