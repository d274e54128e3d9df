"""Anti-pumping: velocity per number / IP / prefix / country, the budget breaker, prefix health."""
from __future__ import annotations

import pytest

from flask_phonecapture.extension import get_state
from flask_phonecapture.leads import LeadError
from flask_phonecapture.messaging import alerts, antipump
from tests.conftest import submit

NO_LIMITS = {"PHONECAPTURE_PREFIX_HEALTH": {}}


def check(app, e164="+79123456789", region="RU", ip="203.0.113.0/24"):
    with app.app_context():
        antipump.check_code_send(get_state(), e164=e164, region=region, ip_prefix=ip)


def refused(app, **kw) -> LeadError:
    with pytest.raises(LeadError) as info:
        check(app, **kw)
    return info.value


@pytest.fixture
def alerts_seen():
    seen = []

    def receiver(sender, **kw):
        seen.append(kw)

    alerts.sms_alert.connect(receiver)
    yield seen
    alerts.sms_alert.disconnect(receiver)


def test_defaults_are_one_code_a_minute_and_five_in_ten_minutes_per_number(make_app, monkeypatch):
    from flask_phonecapture.config import DEFAULTS

    app, _ = make_app(PHONECAPTURE_PUMP_LIMITS=DEFAULTS["PHONECAPTURE_PUMP_LIMITS"], **NO_LIMITS)
    clock = [1_000_000.0]
    monkeypatch.setattr(antipump.time, "time", lambda: clock[0])
    check(app)
    err = refused(app)
    assert (err.status, err.code, err.retry_after) == (429, "too_many_codes_number", 60)
    assert "this number" in err.message and "60 s" in err.message
    for _ in range(4):
        clock[0] += 61
        check(app)
    clock[0] += 61
    err = refused(app)  # the sixth in ten minutes
    assert err.code == "too_many_codes_number" and 0 < err.retry_after <= 600 - 61 * 4


@pytest.mark.parametrize("kind,limit,vary", [
    ("ip", "3/600", lambda i: dict(e164=f"+7912{i:07d}")),
    ("prefix", "3/600", lambda i: dict(e164=f"+7912345{i:04d}", ip=f"198.51.{i}.0/24")),
    ("country", "3/3600", lambda i: dict(e164=f"+7{900 + i}1234567", ip=f"198.51.{i}.0/24")),
])
def test_velocity_limits_per_ip_prefix_and_country(make_app, kind, limit, vary):
    app, _ = make_app(PHONECAPTURE_PUMP_LIMITS={kind: limit}, **NO_LIMITS)
    for i in range(3):
        check(app, **vary(i))
    err = refused(app, **vary(3))
    assert (err.status, err.code) == (429, f"too_many_codes_{kind}")
    assert err.retry_after and err.retry_after <= int(limit.split("/")[1])
    check(app, e164="+4915112345678", region="DE", ip="192.0.2.0/24")  # others are not affected
    with app.app_context():
        assert antipump.refusal_counts(get_state())[f"too_many_codes_{kind}"] == 1


def test_the_api_answers_429_with_retry_after_and_a_clear_message(make_app):
    app, _ = make_app(PHONECAPTURE_PUMP_LIMITS={"number": "1/60"}, **NO_LIMITS)
    client = app.test_client()
    assert submit(client, form_id="callback").status_code == 201
    response = submit(client, form_id="tracking")  # same number, another form, seconds later
    assert response.status_code == 429
    assert response.json["error"] == "too_many_codes_number"
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "9123456789" not in response.get_data(as_text=True)


def test_resend_is_checked_too(make_app):
    app, _ = make_app(PHONECAPTURE_PUMP_LIMITS={"number": "1/600"}, PHONECAPTURE_RESEND_COOLDOWN=0,
                      **NO_LIMITS)
    client = app.test_client()
    sid = submit(client).json["id"]
    response = client.post(f"/phonecapture/api/v1/submissions/{sid}/resend")
    assert response.status_code == 429 and response.json["error"] == "too_many_codes_number"


def test_daily_budget_breaker_stops_code_sends_and_alerts_once(make_app, alerts_seen):
    app, _ = make_app(PHONECAPTURE_DAILY_SMS_BUDGET=3, **NO_LIMITS)
    for i in range(3):
        check(app, e164=f"+7912000{i:04d}")
    assert [a["kind"] for a in alerts_seen] == ["budget"]
    err = refused(app, e164="+79120009999")
    assert (err.status, err.code) == (429, "sms_budget") and 0 < err.retry_after <= 86400
    refused(app, e164="+79120009998")
    assert [a["kind"] for a in alerts_seen] == ["budget"]
    with app.app_context():
        assert antipump.refusal_counts(get_state())["sms_budget"] == 2


def test_other_messages_spend_the_same_budget(make_app):
    app, _ = make_app(PHONECAPTURE_DAILY_SMS_BUDGET=2, **NO_LIMITS)
    with app.app_context():
        antipump.count_sent(get_state())
        antipump.count_sent(get_state())
    assert refused(app).code == "sms_budget"


def test_a_collapsing_prefix_is_blocked_and_alerted(make_app, alerts_seen):
    app, _ = make_app(PHONECAPTURE_PUMP_LIMITS={}, PHONECAPTURE_PREFIX_HEALTH={
        "min_sent": 5, "min_ratio": 0.4, "window_s": 3600, "block_s": 900})
    for i in range(5):  # five codes to +7 912 345 ...., nobody enters one
        check(app, e164=f"+7912345{i:04d}")
    err = refused(app, e164="+79123459999")
    assert (err.status, err.code) == (403, "prefix_blocked")
    assert alerts_seen[-1]["kind"] == "prefix_blocked" and "912345" not in str(alerts_seen)
    assert refused(app, e164="+79123450042").code == "prefix_blocked"  # blocked, not re-evaluated
    check(app, e164="+79130000001")  # another prefix is fine


def test_a_healthy_prefix_is_not_blocked(make_app):
    app, _ = make_app(PHONECAPTURE_PUMP_LIMITS={}, PHONECAPTURE_PREFIX_HEALTH={
        "min_sent": 5, "min_ratio": 0.4, "window_s": 3600, "block_s": 900})
    for i in range(10):
        check(app, e164=f"+7912345{i:04d}")
        if i % 2 == 0:
            with app.app_context():
                antipump.record_verified(get_state(), f"+7912345{i:04d}")
    check(app, e164="+79123459999")


def test_counters_fall_back_to_memory_when_redis_is_down(make_app):
    app, _ = make_app(PHONECAPTURE_REDIS_URL="redis://127.0.0.1:1/0",
                      PHONECAPTURE_PUMP_LIMITS={"number": "1/60"}, **NO_LIMITS)
    check(app)
    assert refused(app).code == "too_many_codes_number"


def test_bad_limits_stop_the_app(make_app):
    with pytest.raises(RuntimeError, match="PHONECAPTURE_PUMP_LIMITS"):
        make_app(PHONECAPTURE_PUMP_LIMITS={"number": "often"})
    with pytest.raises(RuntimeError, match="unknown key 'phone'"):
        make_app(PHONECAPTURE_PUMP_LIMITS={"phone": "1/60"})


def test_numbers_never_appear_in_counter_keys(make_app):
    app, _ = make_app(PHONECAPTURE_PUMP_LIMITS={"number": "5/60", "prefix": "5/60"})
    check(app)
    from tests.conftest import REDIS_URL

    if REDIS_URL:
        from redis import Redis

        keys = " ".join(k.decode() for k in Redis.from_url(REDIS_URL).scan_iter(
            f"*{app.config['PHONECAPTURE_QUEUE_NAME']}*"))
    else:
        from flask_phonecapture.messaging.runtime import runtime

        keys = " ".join(runtime(app).memory)
    assert "pump" in keys and "912345" not in keys and "79123" not in keys
