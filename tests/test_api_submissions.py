import pytest
from sqlalchemy import func, select

from flask_phonecapture.models import Consent, ConsentText, Contact, Message, Submission
from tests.conftest import get_token, sent_codes, submit
from tests.race import race


def count(app, model):
    with app.app_context():
        db = app.extensions["phonecapture"].db
        return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_form_config_has_everything_the_widget_needs(client):
    body = client.get("/phonecapture/api/v1/forms/callback").json
    assert body["mode"] == "inline" and body["default_region"] == "RU"
    assert [c["r"] for c in body["countries"]] == ["RU", "KZ", "BY", "DE"] and body["countries"][0]["n"] == "Россия"
    # Short keys (docs/widget.md): consents p/t/r/u, texts by texts.WIDGET_KEYS.
    assert [c["p"] for c in body["consents"]] == ["service_sms", "marketing_sms"]
    assert [c.get("r", False) for c in body["consents"]] == [True, False]
    assert all(c["t"] and c["u"] == "/privacy" for c in body["consents"])
    assert all("text_version" not in c for c in body["consents"])  # the server records it itself
    assert body["token"] and body["countries"] and body["countries"][0]["f"]
    assert body["texts"]["t"] == "Перезвоните мне"
    assert body["texts"]["s"] == "Перезвоните мне" and body["texts"]["ep"] == "Проверьте номер"
    assert "x" not in body["texts"]  # inline: no close button, so no "close" text
    one = client.get("/phonecapture/api/v1/forms/tracking").json
    assert "default_region" not in one and [c["r"] for c in one["countries"]] == ["RU"]
    assert "n" not in one["countries"][0]  # one country: no country list, no name


def test_unknown_form_is_404_json(client):
    response = client.get("/phonecapture/api/v1/forms/nope")
    assert response.status_code == 404 and response.json["error"] == "unknown_form"


def test_valid_submission_is_stored_and_a_code_is_sent(app, client, capsys, run_jobs):
    response = submit(client, "8 912 345-67-89")
    assert response.status_code == 201
    assert response.json["status"] == "pending_verification"
    assert response.json["resend_after_s"] == 60
    run_jobs()
    assert len(sent_codes(capsys)) == 1
    with app.app_context():
        db = app.extensions["phonecapture"].db
        message = db.session.execute(select(Message)).scalar_one()
        assert message.kind == "otp" and message.status == "delivered"
        assert message.body_enc is None  # the code is not kept once sent
        assert message.provider == "console" and message.provider_id


def test_same_number_from_two_forms_is_one_contact_with_two_submissions(app, client, run_jobs):
    assert submit(client, "+7 912 345-67-89", form_id="callback").status_code == 201
    assert submit(client, "89123456789", form_id="tracking").status_code == 201
    run_jobs()
    assert count(app, Contact) == 1
    assert count(app, Submission) == 2


def test_different_numbers_are_different_contacts(app, client):
    submit(client, "+7 912 345-67-89")
    submit(client, "+7 912 345-67-80")
    assert count(app, Contact) == 2


def test_double_click_returns_the_same_submission_and_sends_one_sms(app, client, capsys, run_jobs):
    first = submit(client)
    second = submit(client)
    run_jobs()
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"]
    assert len(sent_codes(capsys)) == 1
    assert count(app, Message) == 1


def test_one_consent_record_per_purpose_with_the_text_version_shown(app, client):
    submit(client, consents={"service_sms": True, "marketing_sms": False})
    with app.app_context():
        db = app.extensions["phonecapture"].db
        rows = {c.purpose: c for c in db.session.execute(select(Consent)).scalars()}
        assert rows["service_sms"].granted is True and rows["marketing_sms"].granted is False
        text = db.session.get(ConsentText, rows["service_sms"].text_version)
        assert "152-ФЗ" in text.body
        assert rows["service_sms"].ip_prefix == "127.0.0.0/24"
        assert rows["service_sms"].confirmed_at is None  # not until the code is entered


def test_source_tags_come_from_the_body_and_the_page_url(app, client):
    submit(client, source={
        "page_url": "https://shop.example/product/kettle?utm_source=yandex&utm_campaign=winter&yclid=9876543210987654321",
        "referrer": "https://ya.ru/", "utm_medium": "cpc",
        "first_touch": {"utm_source": "vk", "page_url": "https://shop.example/"}})
    with app.app_context():
        db = app.extensions["phonecapture"].db
        sub = db.session.execute(select(Submission)).scalar_one()
        assert (sub.utm_source, sub.utm_medium, sub.utm_campaign) == ("yandex", "cpc", "winter")
        assert sub.yclid == "9876543210987654321"
        assert sub.referrer == "https://ya.ru/"
        assert sub.first_touch == {"utm_source": "vk", "page_url": "https://shop.example/"}
        assert sub.form_version and sub.user_agent


def test_optional_name_is_stored_encrypted(app, client):
    submit(client, name="Анна Петрова")
    with app.app_context():
        db = app.extensions["phonecapture"].db
        sub = db.session.execute(select(Submission)).scalar_one()
        assert sub.name_enc.startswith("pc1.") and "Анна" not in sub.name_enc


@pytest.mark.parametrize("data, content_type, status, error", [
    ("not json", "application/json", 400, "invalid_json"),
    ("[1, 2]", "application/json", 400, "invalid_json"),
    ("", "application/json", 400, "invalid_json"),
    ("\xff\xfe", "application/json", 400, "invalid_json"),
    ("x" * 17000, "application/json", 413, "too_large"),
    ('{"form_id": 5}', "application/json", 422, "invalid"),
    ('{"form_id": "nope", "token": "t", "phone": "1"}', "application/json", 404, "unknown_form"),
])
def test_malformed_bodies_get_a_precise_4xx(client, data, content_type, status, error):
    response = client.post("/phonecapture/api/v1/submissions", data=data, content_type=content_type)
    assert response.status_code == status, response.json
    assert response.json["error"] == error
    assert set(response.json) >= {"error", "message", "fields"}


@pytest.mark.parametrize("override, field", [
    ({"phone": 79123456789}, "phone"),
    ({"phone": None}, "phone"),
    ({"consents": ["service_sms"]}, "consents"),
    ({"consents": {"service_sms": "yes"}}, "consents.service_sms"),
    ({"consents": {"service_sms": True, "spam": True}}, "consents.spam"),
    ({"source": "google"}, "source"),
    ({"source": {"utm_source": 5}}, "source.utm_source"),
    ({"source": {"evil": "x"}}, "source.evil"),
    ({"elapsed_ms": "fast"}, "elapsed_ms"),
    ({"elapsed_ms": True}, "elapsed_ms"),
    ({"name": ["a"]}, "name"),
    ({"surprise": 1}, "surprise"),
])
def test_wrong_types_are_field_errors(client, override, field):
    response = submit(client, **override)
    assert response.status_code == 422
    assert field in response.json["fields"]


@pytest.mark.parametrize("phone, field_message", [
    ("123", "номер"), ("+49 30 1234567", "страны"), ("+1 650 253 0000", "страны"), ("", "Введите"),
])
def test_bad_numbers_are_422_with_a_message_in_the_forms_language(client, phone, field_message):
    response = submit(client, phone, form_id="tracking")  # tracking accepts RU only
    assert response.status_code == 422
    assert field_message in response.json["fields"]["phone"][0]


def test_german_number_is_fine_where_the_form_allows_germany(client):
    assert submit(client, "+49 30 1234567").status_code == 201


def test_missing_required_consent_is_a_field_error(client):
    response = submit(client, consents={"service_sms": False, "marketing_sms": True})
    assert response.status_code == 422
    assert list(response.json["fields"]) == ["consents.service_sms"]


@pytest.mark.parametrize("token, reason", [
    ("", "missing"), ("forged.token", "not valid"),
])
def test_missing_or_forged_token_is_400(client, token, reason):
    response = submit(client, token=token)
    assert response.status_code == 400 and reason in response.json["message"]


def test_token_of_another_form_is_refused(client):
    response = submit(client, token=get_token(client, "tracking"))
    assert response.status_code == 400 and response.json["error"] == "invalid_token"


def test_honeypot_looks_like_success_but_stores_and_sends_nothing(app, client, capsys, run_jobs):
    response = submit(client, hp="http://spam.example")
    run_jobs()
    assert response.status_code == 201 and response.json["id"]
    assert count(app, Submission) == 0 and count(app, Message) == 0
    assert sent_codes(capsys) == []


def test_too_fast_fill_is_dropped_quietly(make_app, capsys):
    app, _ = make_app(PHONECAPTURE_MIN_FILL_MS=1500)
    client = app.test_client()
    response = submit(client, elapsed_ms=300)
    assert response.status_code == 201
    assert count(app, Submission) == 0 and sent_codes(capsys) == []
    # a client that claims to be slow but fetched its token a moment ago is a bot too
    assert submit(client, elapsed_ms=9000).status_code == 201
    assert count(app, Submission) == 0


def test_per_ip_limit_answers_429_with_retry_after(make_app):
    app, _ = make_app(PHONECAPTURE_RATELIMIT_SUBMIT="2/minute")
    client = app.test_client()
    assert submit(client, "+7 912 345-67-81").status_code == 201
    assert submit(client, "+7 912 345-67-82").status_code == 201
    response = submit(client, "+7 912 345-67-83")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.json["error"] == "rate_limited"


def test_code_checks_and_resends_share_one_per_ip_limit(make_app):
    app, _ = make_app(PHONECAPTURE_RATELIMIT_VERIFY="3/minute")
    client = app.test_client()
    sid = submit(client, "+7 912 345-67-84").json["id"]
    url = f"/phonecapture/api/v1/submissions/{sid}"
    limited = lambda r: r.json["error"] == "rate_limited"  # noqa: E731 - not resend_too_soon
    answers = [client.post(url + "/verify", json={"code": "000000"}),
               client.post(url + "/resend", json={}),
               client.post(url + "/verify", json={"code": "000000"})]
    assert not any(limited(r) for r in answers)
    assert limited(client.post(url + "/resend", json={}))  # the 4th, whichever endpoint
    assert limited(client.post(url + "/verify", json={"code": "000000"}))


def test_cross_origin_requests_are_refused_unless_allowed(make_app):
    app, _ = make_app(PHONECAPTURE_ALLOWED_ORIGINS=["https://partner.example"])
    client = app.test_client()
    refused = client.get("/phonecapture/api/v1/forms/callback", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and refused.json["error"] == "origin_not_allowed"
    assert refused.headers["Access-Control-Allow-Origin"] == "*"  # may read why; the origin is not echoed
    allowed = client.get("/phonecapture/api/v1/forms/callback", headers={"Origin": "https://partner.example"})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://partner.example"
    preflight = client.options("/phonecapture/api/v1/submissions", headers={
        "Origin": "https://partner.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204


def test_wrong_method_is_405_json(client):
    response = client.get("/phonecapture/api/v1/submissions")
    assert response.status_code == 405 and response.json["error"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/phonecapture/api/v1/submissions", "/phonecapture/api/v1/events",
                                  "/phonecapture/api/v1/submissions/abc/verify"])
@pytest.mark.parametrize("data", [b"[" * 1500 + b"]" * 1500, b'{"a":' * 2500 + b"1" + b"}" * 2500])
def test_deeply_nested_json_is_a_400(client, path, data):
    response = client.post(path, data=data, content_type="application/json")
    assert response.status_code == 400, response.json
    assert response.json["error"] == "invalid_json"
    assert response.json["message"] == "The request body is not valid JSON."


# -- simultaneous identical submissions (a double click that reaches two workers at once) ---------
SUBMIT = "/phonecapture/api/v1/submissions"


def _body(client, phone="8 912 345-67-89", form_id="callback"):
    return {"form_id": form_id, "token": get_token(client, form_id), "phone": phone,
            "consents": {"service_sms": True}, "hp": "", "elapsed_ms": 4000}


def test_simultaneous_identical_submissions_of_a_new_number_make_one_contact_and_one_sms(
        app, client, monkeypatch, capsys, run_jobs):
    from flask_phonecapture import contacts

    responses = race(app, monkeypatch, contacts, "find_id_by_e164", SUBMIT, [_body(client)] * 2)
    assert [r.status_code for r in responses] == [201, 201], [r.json for r in responses]
    assert responses[0].json["id"] == responses[1].json["id"]  # the same submission, the same answer
    assert responses[0].json["status"] == responses[1].json["status"] == "pending_verification"
    run_jobs()
    assert count(app, Contact) == 1
    assert count(app, Submission) == 1
    assert count(app, Message) == 1
    assert len(sent_codes(capsys)) == 1


def test_simultaneous_identical_submissions_of_a_known_number_make_one_submission_and_one_sms(
        app, client, monkeypatch, capsys, run_jobs):
    from flask_phonecapture import leads

    assert submit(client, form_id="tracking").status_code == 201  # the number is a contact already
    run_jobs()
    capsys.readouterr()
    responses = race(app, monkeypatch, leads, "_pending_duplicate", SUBMIT, [_body(client)] * 2)
    assert [r.status_code for r in responses] == [201, 201], [r.json for r in responses]
    assert responses[0].json["id"] == responses[1].json["id"]
    run_jobs()
    assert count(app, Contact) == 1
    assert count(app, Submission) == 2  # one per form
    assert count(app, Message) == 2
    assert len(sent_codes(capsys)) == 1


@pytest.mark.parametrize("lock_statement", ["upsert", "update, else insert"])
def test_many_simultaneous_submissions_of_one_number_send_one_sms(app, client, capsys, run_jobs, monkeypatch,
                                                                   lock_statement):
    """Both ways of taking the number lock: the upsert (PostgreSQL, SQLite) and the update-else-insert
    used on other databases."""
    import threading

    from flask_phonecapture import contacts

    if lock_statement != "upsert":
        monkeypatch.setattr(contacts, "_UPSERT", {})

    body = _body(client)
    start = threading.Barrier(6)
    responses = []

    def post():
        own = app.test_client()
        start.wait()
        responses.append(own.post("/phonecapture/api/v1/submissions", json=body))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(r.status_code for r in responses) == [201] * 6, [r.json for r in responses]
    assert len({r.json["id"] for r in responses}) == 1
    run_jobs()
    assert (count(app, Contact), count(app, Submission), count(app, Message)) == (1, 1, 1)
    assert len(sent_codes(capsys)) == 1


def test_simultaneous_submissions_of_different_numbers_in_one_lock_slot_both_go_through(
        app, client, monkeypatch, capsys, run_jobs):
    """The lock is per slot of many numbers: a neighbour waits its turn and is not mistaken for a
    repeat."""
    from flask_phonecapture import contacts

    monkeypatch.setattr(contacts, "lock_slots", lambda state, e164: [7])
    first, second = _body(client), _body(client, phone="8 912 345-67-80")
    results = []

    def post(body):
        results.append(app.test_client().post("/phonecapture/api/v1/submissions", json=body))

    import threading

    threads = [threading.Thread(target=post, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(r.status_code for r in results) == [201, 201]
    assert results[0].json["id"] != results[1].json["id"]
    run_jobs()
    assert (count(app, Contact), count(app, Submission)) == (2, 2)
    assert len(sent_codes(capsys)) == 2


def test_nul_bytes_in_source_tags_are_dropped_not_a_500(app, client):
    # PostgreSQL text can't hold NUL: a visitor's "a\x00b" tag failed the whole submission there
    response = submit(client, name="Ан\x00на", source={
        "page_url": "https://shop.example/p?utm_campaign=w\x00in", "referrer": "https://ya.ru/\x00",
        "utm_source": "y\x00a", "gclid": "\x00", "first_touch": {"utm_source": "v\x00k", "at": "2026\x00"}})
    assert response.status_code == 201, response.json
    with app.app_context():
        sub = app.extensions["phonecapture"].db.session.execute(select(Submission)).scalar_one()
        assert (sub.utm_source, sub.utm_campaign, sub.referrer, sub.gclid) == ("ya", "win", "https://ya.ru/", None)
        assert sub.first_touch == {"utm_source": "vk", "at": "2026"}
