"""No phone number, in any spelling, in the database, the Redis keys or the logs."""
import logging
import re

import sqlalchemy as sa

from flask_phonecapture.extension import get_state
from flask_phonecapture.models import metadata
from tests.conftest import REDIS_URL, submit

NUMBER = "+7 (912) 345-67-89"
NEEDLES = ["9123456789", "912 345", "912) 345", "345-67-89", "3456789", "Анна"]


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


def dump_database(app) -> str:
    parts = []
    with app.app_context():
        engine = get_state().db.engine
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(sa.select(table)):
                    parts.append(" ".join(str(v) for v in row))
    return "\n".join(parts)


def dump_redis(queue_name: str) -> str:
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    parts = []
    for key in redis.scan_iter("*"):
        parts.append(key.decode("latin-1"))
        kind = redis.type(key).decode()
        if kind == "string":
            parts.append((redis.get(key) or b"").decode("latin-1"))
        elif kind == "hash":
            for k, v in redis.hgetall(key).items():
                parts.append(k.decode("latin-1") + "=" + v.decode("latin-1"))
        elif kind == "list":
            parts.extend(v.decode("latin-1") for v in redis.lrange(key, 0, -1))
        elif kind == "zset":
            parts.extend(v.decode("latin-1") for v in redis.zrange(key, 0, -1))
    return "\n".join(parts)


def test_no_plaintext_number_or_name_anywhere(app, client, caplog, run_jobs, queue_name, tmp_path):
    caplog.set_level(logging.DEBUG)
    response = submit(client, NUMBER, name="Анна", source={
        "page_url": "https://shop.example/p?phone=%2B79123456789&utm_source=ya", "utm_content": "89123456789"})
    assert response.status_code == 201
    if REDIS_URL:  # the job is in Redis now: its arguments must be ids only
        assert "9123456789" not in dump_redis(queue_name)
    run_jobs()
    dump = dump_database(app)
    for needle in NEEDLES:
        assert needle not in dump, needle
    assert "ya" in dump  # the scan does see the submission's other columns
    db_file = tmp_path / "test.sqlite"
    if db_file.exists():
        raw = db_file.read_bytes()
        assert b"9123456789" not in raw and "Анна".encode() not in raw
    for record in caplog.records:
        assert "9123456789" not in digits_only(record.getMessage())
    if REDIS_URL:
        assert "9123456789" not in dump_redis(queue_name)


def test_error_answers_do_not_echo_the_number(client):
    response = submit(client, "+49 30 1234567", form_id="tracking")
    assert response.status_code == 422
    assert "1234567" not in response.get_data(as_text=True)


def test_no_plaintext_number_in_messaging_tables_or_counters(make_app, fake_twilio, queue_name, caplog):
    """Keyword events, early receipts, switches, sequence rows, anti-pumping counters."""
    from flask_phonecapture.messaging import jobs
    from flask_phonecapture.models import Message

    caplog.set_level(logging.DEBUG)
    app, _ = make_app(PHONECAPTURE_PUBLIC_URL="https://shop.example",
                      PHONECAPTURE_PUMP_LIMITS={"number": "5/60", "prefix": "5/60", "ip": "5/60"},
                      PHONECAPTURE_SEQUENCES={"welcome": {"trigger": "verified", "steps": [
                          {"template": "confirmation", "purpose": "service_sms"},
                          {"template": "followup", "after": "1d", "purpose": "marketing_sms"}]}},
                      **fake_twilio.config())
    client = app.test_client()
    response = submit(client, NUMBER, name="Анна", consents={"service_sms": True, "marketing_sms": True})
    assert response.status_code == 201
    with app.app_context():
        state = get_state()
        state.queue = type("Q", (), {"enqueue_send": lambda *a, **k: None, "name": "none"})()
        otp = state.db.session.execute(sa.select(Message)).scalar_one()
        jobs.send_message(otp.id)
    code = fake_twilio.accepted[0].body.split(": ")[1][:6]
    assert client.post(f"/phonecapture/api/v1/submissions/{response.json['id']}/verify",
                       json={"code": code}).status_code == 200
    from flask_phonecapture.messaging.signatures import twilio_signature

    url = "https://shop.example/phonecapture/hooks/twilio/status"
    form = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered", "To": "+79123456789"}
    client.post("/phonecapture/hooks/twilio/status", data=form,
                headers={"X-Twilio-Signature": twilio_signature(fake_twilio.auth_token, url, form)})
    inbound_url = "https://shop.example/phonecapture/hooks/twilio/inbound"
    for text in ("STOP", "START", "HELP"):
        form = {"MessageSid": "SM" + text.lower() * 8, "From": "+79123456789", "Body": text}
        client.post("/phonecapture/hooks/twilio/inbound", data=form, headers={
            "X-Twilio-Signature": twilio_signature(fake_twilio.auth_token, inbound_url, form)})
    dump = dump_database(app)
    assert "stop" in dump and "SM" + "0" * 32 in dump  # the scan sees the new tables
    for needle in NEEDLES:
        assert needle not in dump, needle
    if REDIS_URL:
        assert "9123456789" not in dump_redis(queue_name)
    for record in caplog.records:
        assert "9123456789" not in digits_only(record.getMessage())
