"""Request hygiene of the JSON API: bodies streamed without a length, the Origin check and what
error answers may echo."""
import http.client
import threading

import pytest
from werkzeug.serving import make_server

EVENTS = "/phonecapture/api/v1/events"


@pytest.fixture
def served(app):
    """The app behind werkzeug's own server: it de-chunks bodies as a real deployment does."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(5)


def post_chunked(port: int, path: str, body: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for start in range(0, len(body), 4096):
        part = body[start:start + 4096]
        conn.send(b"%x\r\n%s\r\n" % (len(part), part))
    conn.send(b"0\r\n\r\n")
    response = conn.getresponse()
    result = response.status, response.read()
    conn.close()
    return result


@pytest.mark.parametrize("body", [
    b'{"form_id": "callback", "event": "open", "pad": "' + b"x" * 20000 + b'"}',  # valid JSON
    b"x" * 20000,
])
def test_oversized_chunked_body_is_a_413_like_an_oversized_content_length(app, client, served, body):
    import json

    status, raw = post_chunked(served, EVENTS, body)
    by_length = client.post(EVENTS, data=body, content_type="application/json")
    assert (status, by_length.status_code) == (413, 413)
    assert json.loads(raw) == by_length.json
    assert by_length.json["error"] == "too_large"


def test_chunked_body_within_the_limit_is_read_whole(served):
    body = b'{"form_id": "callback", "event": "open", "pad": "' + b"x" * 16000 + b'"}'
    assert len(body) <= 16 * 1024
    assert post_chunked(served, EVENTS, body)[0] == 204
    assert post_chunked(served, EVENTS, b'{"form_id": "callback", "event": "open"}')[0] == 204


def test_broken_chunked_encoding_is_a_400(served):
    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=10)
    conn.putrequest("POST", EVENTS)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    conn.send(b"zz\r\n{}\r\n0\r\n\r\n")  # "zz" is no chunk size
    response = conn.getresponse()
    assert response.status == 400
    conn.close()


@pytest.mark.parametrize("form_id", ["79123456789", "7-912-345-67-89", "nope"])
def test_unknown_form_answer_does_not_echo_the_form_id(client, form_id):
    from tests.conftest import get_token

    answers = [client.get(f"/phonecapture/api/v1/forms/{form_id}"),
               client.post("/phonecapture/api/v1/submissions", json={
                   "form_id": form_id, "token": get_token(client), "phone": "+79123456789"}),
               client.post(EVENTS, json={"form_id": form_id, "event": "open"})]
    for response in answers:
        assert response.status_code == 404 and response.json["error"] == "unknown_form"
        assert form_id not in response.get_data(as_text=True)
        assert "912" not in response.get_data(as_text=True)


# -- the Origin check ----------------------------------------------------------------------------
FORM = "/phonecapture/api/v1/forms/callback"
OPEN = {"form_id": "callback", "event": "open"}


@pytest.mark.parametrize("origin, status", [
    ("http://localhost", 204),        # the test client's own origin
    ("https://localhost", 204),       # the page is https, a TLS proxy in front speaks http to Flask
    ("ftp://localhost", 403),         # not a web page
    ("http://localhost:5088", 403),   # another port
    ("http://LOCALHOST", 204),
    ("https://localhost.evil.example", 403),
])
def test_same_origin_means_a_web_page_on_this_host_and_port(client, origin, status):
    response = client.post(EVENTS, json=OPEN, headers={"Origin": origin})
    assert response.status_code == status
    if status == 403:
        assert response.json["error"] == "origin_not_allowed"


def test_the_browsers_sec_fetch_site_is_trusted_over_the_host_header(client):
    # A proxy that rewrites Host (upstream 127.0.0.1:8000) still serves the site's own page.
    page = {"Origin": "https://shop.example", "Host": "127.0.0.1:8000"}
    assert client.post(EVENTS, json=OPEN, headers={**page, "Sec-Fetch-Site": "same-origin"}).status_code == 204
    assert client.post(EVENTS, json=OPEN, headers={**page, "Sec-Fetch-Site": "cross-site"}).status_code == 403


@pytest.mark.parametrize("origin", ["https://evil.example", "https://" + "a" * 5000 + ".example",
                                    "https://evil.example\t<script>", "evil"])
def test_a_refused_origin_is_not_echoed_in_cors_headers(make_app, origin):
    app, _ = make_app(PHONECAPTURE_ALLOWED_ORIGINS=["https://partner.example"])
    response = app.test_client().get(FORM, headers={"Origin": origin})
    assert response.status_code == 403 and response.json["error"] == "origin_not_allowed"
    # A wildcard lets the refused page read why (the widget logs it); the origin is not copied.
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert len(response.get_data()) < 400


def test_any_origin_setting_echoes_only_a_well_formed_origin(make_app):
    app, _ = make_app(PHONECAPTURE_ALLOWED_ORIGINS="*")
    client = app.test_client()
    ok = client.get(FORM, headers={"Origin": "https://partner.example:8443"})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == "https://partner.example:8443"
    huge = client.get(FORM, headers={"Origin": "https://" + "a" * 5000 + ".example"})
    assert huge.status_code == 403 and huge.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("allowed", [[], "*", ["https://partner.example"]])
def test_null_origin_may_not_post_unless_listed(make_app, allowed):
    app, _ = make_app(PHONECAPTURE_ALLOWED_ORIGINS=allowed)
    client = app.test_client()
    refused = client.post(EVENTS, json=OPEN, headers={"Origin": "null"})
    assert refused.status_code == 403 and refused.json["error"] == "origin_not_allowed"
    assert '"null"' in refused.json["message"] and "PHONECAPTURE_ALLOWED_ORIGINS" in refused.json["message"]
    token = client.get(FORM).json["token"]
    submission = client.post("/phonecapture/api/v1/submissions", headers={"Origin": "null"}, json={
        "form_id": "callback", "token": token, "phone": "+79123456789", "consents": {"service_sms": True}})
    assert submission.status_code == 403
    assert client.get(FORM, headers={"Origin": "null"}).status_code == 200  # reading changes nothing
    # A browser's own same-origin POST from a no-referrer page carries Origin: null too.
    assert client.post(EVENTS, json=OPEN, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}
                       ).status_code == 204
    assert client.post(EVENTS, json=OPEN, headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"}
                       ).status_code == 403


def test_null_origin_listed_explicitly_may_post(make_app):
    app, _ = make_app(PHONECAPTURE_ALLOWED_ORIGINS=["null", "https://partner.example"])
    response = app.test_client().post(EVENTS, json=OPEN, headers={"Origin": "null"})
    assert response.status_code == 204 and response.headers["Access-Control-Allow-Origin"] == "null"


def test_unknown_keys_that_could_hold_a_number_are_not_echoed(client):
    from tests.conftest import get_token

    body = {"form_id": "callback", "token": get_token(client), "phone": "+7 912 345-67-80",
            "consents": {"service_sms": True, "+79123456789": True},
            "source": {"8 912 345 67 89": "x"}, "79123456789": 1, "k" * 5000: 1, "colour": 1}
    response = client.post("/phonecapture/api/v1/submissions", json=body)
    assert response.status_code == 422 and response.json["error"] == "invalid"
    text = response.get_data(as_text=True)
    assert "912" not in text and "kkkkk" not in text and len(text) < 1000
    assert "colour" in response.json["fields"]  # a plain misspelt key is still named
