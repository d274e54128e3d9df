"""Receipts and inbound messages through the hook views, fired by the local protocol servers."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from flask_phonecapture.extension import get_state
from flask_phonecapture.messaging import jobs
from flask_phonecapture.models import Consent, KeywordEvent, Message, Receipt, Suppression, utcnow
from tests.messaging_helpers import add_due, messages, record_queue, verified_contact

PUBLIC = "https://shop.example"


class ClientPoster:
    """Lets a fake server 'POST' into the Flask test client (no real HTTP needed)."""

    def __init__(self, client):
        self.client = client

    def __call__(self, url, timeout=None, data=None, json=None, headers=None):
        path = url.replace(PUBLIC, "")
        if json is not None:
            return self.client.post(path, json=json, headers=headers or {})
        return self.client.post(path, data=data, headers=headers or {})


def fire(server, client, monkeypatch):
    """Make server._post go into the test client."""
    poster = ClientPoster(client)

    class Answer:
        def __init__(self, response):
            self.status_code, self.text = response.status_code, response.get_data(as_text=True)

    monkeypatch.setattr(server, "_post", lambda url, kwargs: Answer(poster(url, **kwargs)))


def setup_app(make_app, server, **extra):
    app, _ = make_app(PHONECAPTURE_PUBLIC_URL=PUBLIC, **server.config(), **extra)
    record_queue(app)
    return app


def sent_message(app, server, kind="confirmation"):
    contact_id, _ = verified_contact(app)
    mid = add_due(app, contact_id, kind=kind, body="Заявка принята")
    with app.app_context():
        assert jobs.send_message(mid) == "sent"
    return mid, server.accepted[-1]


def status_of(app, mid):
    return next(m for m in messages(app) if m.id == mid).status


@pytest.mark.parametrize("fake_sms_server", ["twilio", "smsaero", "http", "smsru"], indirect=True)
def test_receipts_move_forward_only_and_replays_change_nothing(make_app, fake_sms_server, monkeypatch):
    server = fake_sms_server
    app = setup_app(make_app, server)
    client = app.test_client()
    fire(server, client, monkeypatch)
    mid, accepted = sent_message(app, server)
    url = accepted.callback_url or f"{PUBLIC}/phonecapture/hooks/{server.name}/status"
    assert server.fire_status(url, accepted.id, "delivered").status_code in (200, 204)
    assert status_of(app, mid) == "delivered"
    server.fire_status(url, accepted.id, "sent")          # late, out of order
    server.fire_status(url, accepted.id, "delivered")     # replayed
    server.fire_status(url, accepted.id, "failed")        # contradicting a final state
    assert status_of(app, mid) == "delivered"


def test_smsru_callbacks_are_answered_100(make_app, fake_smsru, monkeypatch):
    app = setup_app(make_app, fake_smsru)
    client = app.test_client()
    fire(fake_smsru, client, monkeypatch)
    mid, accepted = sent_message(app, fake_smsru)
    answer = fake_smsru.fire_status(f"{PUBLIC}/phonecapture/hooks/smsru/status", accepted.id, "delivered")
    assert (answer.status_code, answer.text) == (200, "100")


@pytest.mark.parametrize("provider", ["twilio", "smsru", "smsaero", "http"])
def test_forged_receipts_get_403_and_change_nothing(make_app, provider, request):
    server = request.getfixturevalue(f"fake_{provider}" if provider != "http" else "fake_http_gateway")
    app = setup_app(make_app, server)
    mid, accepted = sent_message(app, server)
    client = app.test_client()
    path = f"/phonecapture/hooks/{provider}/status"
    forged = lambda: {  # noqa: E731 - only the chosen provider's payload is built
        "twilio": dict(data={"MessageSid": accepted.id, "MessageStatus": "failed"},
                       headers={"X-Twilio-Signature": "bm9wZQ=="}),
        "smsru": dict(data={"data[0]": f"sms_status\n{accepted.id}\n104\n1", "hash": "0" * 64}),
        "smsaero": dict(json={"id": accepted.id, "status": 2}),
        "http": dict(json={"id": accepted.id, "status": "failed"},
                     headers={"X-PhoneCapture-Signature": "t=1,v1=00"}),
    }
    payload = forged()[provider]
    assert client.post(path, **payload).status_code == 403
    if provider == "smsaero":  # a signed URL for another message does not verify this one
        assert client.post(path + "?pc_key=x&pc_sig=" + "0" * 64, **payload).status_code == 403
    assert status_of(app, mid) == "sent"


def test_receipt_before_the_send_answer_is_kept_and_applied(make_app, fake_smsru, monkeypatch):
    """SMS.ru receipts carry no key of ours: one that beats the send answer waits in a table."""
    app = setup_app(make_app, fake_smsru)
    client = app.test_client()
    fire(fake_smsru, client, monkeypatch)
    fake_smsru.callback_url = f"{PUBLIC}/phonecapture/hooks/smsru/status"
    fake_smsru.receipt_before_response = "delivered"
    mid, accepted = sent_message(app, fake_smsru)
    assert status_of(app, mid) == "delivered"
    with app.app_context():
        assert get_state().db.session.execute(select(Receipt)).scalars().all() == []


def test_receipt_stored_while_the_send_answer_commits_is_still_applied(make_app, fake_smsru,
                                                                         monkeypatch):
    """The hook found no message, and the worker recorded the provider id (and looked for early
    receipts) before the hook's receipt was committed: the hook's second look applies it."""
    from sqlalchemy import event, update

    app = setup_app(make_app, fake_smsru)
    client = app.test_client()
    fire(fake_smsru, client, monkeypatch)
    mid, accepted = sent_message(app, fake_smsru)
    with app.app_context():
        engine = get_state().db.engine
        with engine.begin() as conn:  # as if the send answer had not been recorded yet
            conn.execute(update(Message).where(Message.id == mid).values(provider_id=None))

    def stored_as_the_worker_commits(target, args, kwargs):
        with engine.begin() as conn:  # the worker's commit lands, its own look found nothing
            conn.execute(update(Message).where(Message.id == mid)
                         .values(provider_id=accepted.id))

    event.listen(Receipt, "init", stored_as_the_worker_commits)
    try:
        fake_smsru.fire_status(f"{PUBLIC}/phonecapture/hooks/smsru/status", accepted.id,
                               "delivered")
    finally:
        event.remove(Receipt, "init", stored_as_the_worker_commits)
    assert status_of(app, mid) == "delivered"
    with app.app_context():
        assert get_state().db.session.execute(select(Receipt)).scalars().all() == []


def test_receipt_before_the_send_answer_with_the_key_in_the_url(make_app, fake_twilio, monkeypatch):
    app = setup_app(make_app, fake_twilio)
    client = app.test_client()
    fire(fake_twilio, client, monkeypatch)
    fake_twilio.receipt_before_response = "delivered"
    mid, accepted = sent_message(app, fake_twilio)
    row = next(m for m in messages(app) if m.id == mid)
    assert row.status == "delivered" and row.provider_id == accepted.id


# -------------------------------------------------------------------------- inbound

@pytest.fixture
def twilio_app(make_app, fake_twilio, monkeypatch):
    app = setup_app(make_app, fake_twilio)
    fire(fake_twilio, app.test_client(), monkeypatch)
    return app


def inbound(server, text, sender="+79123456789"):
    return server.fire_inbound(f"{PUBLIC}/phonecapture/hooks/{server.name}/inbound", sender, text)


@pytest.mark.parametrize("word", ["STOP", "  stop ", "СТОП", "Стоп", "ОТПИСАТЬСЯ", "unsubscribe",
                                  "End", "QUIT", "cancel", "OptOut"])
def test_stop_withdraws_marketing_suppresses_cancels_and_confirms_once(twilio_app, fake_twilio, word):
    contact_id, _ = verified_contact(twilio_app)
    promo = add_due(twilio_app, contact_id, kind="marketing", purpose="marketing_sms",
                    not_before=utcnow() + timedelta(hours=3))
    followup = add_due(twilio_app, contact_id, kind="followup", purpose="marketing_sms",
                       not_before=utcnow() + timedelta(days=1))
    assert inbound(fake_twilio, word).status_code == 200
    with twilio_app.app_context():
        session = get_state().db.session
        consents = {c.purpose: c for c in session.execute(select(Consent)).scalars()}
        assert consents["marketing_sms"].withdrawn_at is not None
        assert consents["marketing_sms"].withdrawn_channel == "sms"
        assert consents["service_sms"].withdrawn_at is None
        assert session.execute(select(Suppression.scope)).scalars().all() == ["marketing"]
        assert [e.keyword for e in session.execute(select(KeywordEvent)).scalars()] == ["stop"]
    statuses = {m.id: m.status for m in messages(twilio_app)}
    assert statuses[promo] == statuses[followup] == "cancelled"
    [reply] = messages(twilio_app, kind="stop_confirm")
    with twilio_app.app_context():
        assert jobs.send_message(reply.id) == "sent"
    text = fake_twilio.accepted[-1].body
    assert "Вы отписаны" in text and "http" not in text  # no marketing, no link
    # Twilio retries a webhook it thinks failed: the same STOP is not confirmed twice
    assert len(messages(twilio_app, kind="stop_confirm")) == 1


def test_stop_from_an_english_contact_is_confirmed_in_english(twilio_app, fake_twilio):
    verified_contact(twilio_app, phone="+1 212 555 0123", form_id="world",
                     consents={"service_sms": True})
    inbound(fake_twilio, "STOP", sender="+12125550123")
    [reply] = messages(twilio_app, kind="stop_confirm")
    with twilio_app.app_context():
        jobs.send_message(reply.id)
    assert fake_twilio.accepted[-1].body.startswith("You are unsubscribed")


def test_start_is_recorded_but_does_not_restore_marketing(twilio_app, fake_twilio):
    verified_contact(twilio_app)
    inbound(fake_twilio, "СТОП")
    inbound(fake_twilio, "START")
    with twilio_app.app_context():
        from flask_phonecapture.consent import has_consent

        session = get_state().db.session
        assert [e.keyword for e in session.execute(select(KeywordEvent).order_by(KeywordEvent.id))
                .scalars()] == ["stop", "start"]
        contact_id = session.execute(select(Consent.contact_id)).scalars().first()
        assert not has_consent(get_state(), contact_id, "marketing_sms")
        assert session.execute(select(Suppression)).scalars().all() != []


@pytest.mark.parametrize("word,expected", [("HELP", "Reply STOP"), ("помощь", "ответьте СТОП")])
def test_help_answers_with_the_sender_name_and_how_to_stop(make_app, fake_twilio, monkeypatch, word, expected):
    app = setup_app(make_app, fake_twilio, PHONECAPTURE_BRAND="Чайная лавка")
    fire(fake_twilio, app.test_client(), monkeypatch)
    form = "world" if word == "HELP" else "callback"
    phone = "+1 212 555 0123" if word == "HELP" else "8 912 345-67-89"
    verified_contact(app, phone=phone, form_id=form, consents={"service_sms": True})
    inbound(fake_twilio, word, sender="+12125550123" if word == "HELP" else "+79123456789")
    [reply] = messages(app, kind="help")
    with app.app_context():
        jobs.send_message(reply.id)
    body = fake_twilio.accepted[-1].body
    assert "Чайная лавка" in body and expected in body


def test_other_inbound_text_changes_nothing(twilio_app, fake_twilio):
    verified_contact(twilio_app)
    inbound(fake_twilio, "cancel my order please")
    with twilio_app.app_context():
        assert get_state().db.session.execute(select(KeywordEvent)).scalars().all() == []
        assert get_state().db.session.execute(select(Suppression)).scalars().all() == []


def test_stop_from_an_unknown_number_is_still_suppressed(twilio_app, fake_twilio):
    inbound(fake_twilio, "STOP", sender="+79990001122")
    with twilio_app.app_context():
        assert len(get_state().db.session.execute(select(Suppression)).scalars().all()) == 1
    assert messages(twilio_app) == []


def test_forged_inbound_is_refused(twilio_app):
    client = twilio_app.test_client()
    response = client.post("/phonecapture/hooks/twilio/inbound",
                           data={"From": "+79123456789", "Body": "STOP"},
                           headers={"X-Twilio-Signature": "Zm9yZ2Vk"})
    assert response.status_code == 403


def test_http_gateway_inbound_stop(make_app, fake_http_gateway, monkeypatch):
    app = setup_app(make_app, fake_http_gateway)
    fire(fake_http_gateway, app.test_client(), monkeypatch)
    verified_contact(app)
    assert inbound(fake_http_gateway, "Стоп").status_code == 204
    assert len(messages(app, kind="stop_confirm")) == 1


def test_providers_without_inbound_answer_404(make_app, fake_smsru):
    app = setup_app(make_app, fake_smsru)
    assert app.test_client().post("/phonecapture/hooks/smsru/inbound", data={}).status_code == 404
    assert app.test_client().post("/phonecapture/hooks/nope/status", data={}).status_code == 404


@pytest.mark.parametrize("provider", ["smsaero", "http"])
def test_deeply_nested_json_is_refused_not_a_500(make_app, provider, request):
    server = request.getfixturevalue(f"fake_{provider}" if provider != "http" else "fake_http_gateway")
    app = setup_app(make_app, server)
    for kind in ("status", "inbound"):
        response = app.test_client().post(f"/phonecapture/hooks/{provider}/{kind}", data=b"[" * 3000 + b"]" * 3000,
                                          content_type="application/json")
        assert response.status_code in (400, 403, 404)
