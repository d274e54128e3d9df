"""Hostile input on the staff pages and what they share with the public ones: JSON bodies Flask-WTF
can't read, role loaders a host app gets slightly wrong, forged version tags, lone surrogates,
numbers past what a Decimal can quantize, and an actor that is a phone number."""
import json

import pytest

from flask_phonecapture import conversions, ratelimit
from flask_phonecapture.config import ConfigError
from flask_phonecapture.extension import get_state
from flask_phonecapture.models import Submission
from tests.conftest import get_token
from tests.reporting import lead
from tests.test_admin_forms import LIST, hidden, live_json, save_json, textarea, versions

API = "/phonecapture/api/v1"
LEADS = "/phonecapture/admin/leads"


@pytest.fixture
def roles():
    return {"admin"}


@pytest.fixture
def actor():
    return {"name": None}


@pytest.fixture
def app(make_app, roles, actor):
    app, ext = make_app(PHONECAPTURE_FORMS_CACHE_S=0)
    ext.role_loader(lambda: roles)
    ext.actor_loader(lambda: actor["name"])
    app.testing = False  # an exception is a 500 here, as in production, not a test error
    return app


# -- a JSON body that is no object of strings --------------------------------------------
@pytest.mark.parametrize("body", [[1], "x", 5, None, {"reason": 5, "note": {"a": 1}}, {"reason": ["a", None]},
                                  {"reason": "a\ud800b"}, {"reason": True, "note": True, "phone": True}])
@pytest.mark.parametrize("url", ["reveal", f"{LIST}/tracking", f"{LIST}/tracking/json",
                                 f"{LIST}/tracking/restore/0", "/phonecapture/f/callback",
                                 "/phonecapture/privacy/erase"])
def test_a_json_body_flask_wtf_cannot_read_is_a_400_on_every_posted_form(app, client, capsys, run_jobs, url, body):
    if url == "reveal":
        sid = lead(client, capsys, run_jobs, "+7 912 345-67-89", verify=False)
        with app.app_context():
            url = f"{LEADS}/{get_state().db.session.get(Submission, sid).contact_id}/reveal"
    raw = json.dumps(body, ensure_ascii=True).encode()
    assert client.post(url, data=raw, content_type="application/json").status_code == 400


def test_a_json_body_of_strings_still_works_as_a_form(app, client):
    """Flask-WTF's JSON reading stays: an object of strings (a number as its text) fills the form."""
    config, csrf, base = live_json(client)
    config["triggers"] = {"delay_s": 7}
    response = client.post(f"{LIST}/tracking/json", json={"csrf_token": csrf, "base": int(base), "note": "via fetch()",
                                                          "config": json.dumps(config)})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert versions(app)[-1] == (1, False, "via fetch()")


# -- role loaders --------------------------------------------------------------------------
@pytest.mark.parametrize("answer,status", [
    ({"admin": False, "manager": False}, 403), ({"admin": False, "manager": True}, 200),
    ("manager", 200), ("admin", 200), ("visitor", 403), (["manager"], 200), (None, 403), ((), 403)])
def test_a_role_loader_answering_a_name_or_a_mapping_grants_what_it_means(app, client, answer, status):
    get_state(app).extension.role_loader(lambda: answer)
    assert client.get(LEADS).status_code == status
    assert client.get(f"{LEADS}?lang=ru").status_code == status


# -- version tags ------------------------------------------------------------------------
def test_a_forged_version_tag_cannot_pick_an_old_version_before_the_token_is_checked(app, client):
    config, _, _ = live_json(client)
    assert save_json(client, dict(config, active=False), note="paused").status_code == 303
    with app.app_context():
        paused_tag = get_state().forms["tracking"].version[:8]
    assert save_json(client, config, note="back on").status_code == 303
    head, mac = get_token(client, "tracking").split(".")
    forged = head.rpartition("-")[0] + "-" + paused_tag + "." + mac
    response = client.post(f"{API}/submissions", json={
        "form_id": "tracking", "token": forged, "phone": "8 912 345-67-81",
        "consents": {"service_sms": True}, "hp": "", "elapsed_ms": 4000})
    # not the paused version's 404: the tag is not this app's, so the live version judges it
    assert response.status_code == 400 and response.json["error"] == "invalid_token"


# -- the JSON editor -------------------------------------------------------------------------
def test_a_lone_surrogate_in_the_json_editor_is_a_422_not_a_500(app, client):
    config, _, _ = live_json(client)
    config["texts"] = dict(config.get("texts") or {}, title="a\ud800b")
    response = save_json(client, config, raw=json.dumps(config))  # "\ud800" escaped, as a browser sends it
    assert response.status_code == 422
    assert "\\ud800" in response.get_data(as_text=True)
    assert versions(app) == []


# -- conversions ------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["1E+100", "1e999999999", 10 ** 30, 1e300, "9" * 60])
def test_a_value_too_big_to_quantize_is_a_conversion_error(app, client, capsys, run_jobs, value):
    sid = lead(client, capsys, run_jobs, "+7 912 345-67-89")
    with app.app_context(), pytest.raises(conversions.ConversionError, match="less than 1,000,000,000,000"):
        get_state().extension.record_conversion(sid, value=value, currency="RUB")


def test_the_cli_refuses_a_value_too_big_with_a_usage_error(app, client, capsys, run_jobs):
    sid = lead(client, capsys, run_jobs, "+7 912 345-67-89")
    result = app.test_cli_runner().invoke(args=["phonecapture", "conversion", "add", "--submission", sid,
                                                "--value", "1E+100", "--currency", "RUB"])
    assert result.exit_code == 2 and "less than 1,000,000,000,000" in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


# -- an actor that is a phone number ----------------------------------------------------------
def test_an_actor_that_is_a_phone_number_is_not_a_rate_limit_key_in_clear(app, actor):
    actor["name"] = "+79123456789"
    with app.test_request_context(LEADS):
        key = ratelimit._actor_key()
    assert key.startswith("actor:") and "9123456789" not in key
    actor["name"] = None
    with app.test_request_context(LEADS, environ_base={"REMOTE_ADDR": "203.0.113.5"}):
        assert ratelimit._actor_key() == "actor:203.0.113.5"


# -- a reveal limit flask-limiter can't read -----------------------------------------------------
@pytest.mark.parametrize("key", ["PHONECAPTURE_RATELIMIT_REVEAL", "PHONECAPTURE_RATELIMIT_SUBMIT"])
@pytest.mark.parametrize("value", ["30/hr", "thirty an hour", "", None, 30])
def test_an_unreadable_rate_limit_fails_at_start_instead_of_limiting_nothing(make_app, key, value):
    with pytest.raises(ConfigError, match=f"{key} = .* is no rate limit"):
        make_app(**{key: value})


def test_a_readable_reveal_limit_still_starts(make_app):
    app, _ = make_app(PHONECAPTURE_RATELIMIT_REVEAL="30 per hour;100/day")
    assert app.extensions["phonecapture"].limiter is not None


# -- an app that turned CSRF off ------------------------------------------------------------------
def test_without_csrf_a_staff_post_another_site_sends_is_refused_and_a_same_site_one_works(
        make_app, capsys, run_jobs):
    app, ext = make_app(WTF_CSRF_ENABLED=False, PHONECAPTURE_FORMS_CACHE_S=0)
    ext.role_loader(lambda: {"admin"})
    client = app.test_client()
    sid = lead(client, capsys, run_jobs, "+7 912 345-67-89")
    with app.app_context():
        contact = get_state().db.session.get(Submission, sid).contact_id
    page = client.get(f"{LIST}/tracking").get_data(as_text=True)
    config, base = json.loads(textarea(page, "pc-config")), hidden(page, "base")
    edit = {"base": base, "note": "from evil.example", "config": json.dumps(dict(config, active=False))}
    cross = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    assert client.post(f"{LIST}/tracking/json", data=edit, headers=cross).status_code == 403
    assert client.post(f"{LIST}/tracking/restore/0", data={"base": base}, headers=cross).status_code == 403
    assert client.post(f"{LEADS}/{contact}/reveal", data={"reason": "x"}, headers=cross).status_code == 403
    assert versions(app) == []
    same = {"Sec-Fetch-Site": "same-origin"}
    assert client.post(f"{LIST}/tracking/json", data=edit, headers=same).status_code == 303
    assert client.post(f"{LEADS}/{contact}/reveal", data={"reason": "call back"}, headers=same).status_code == 200
