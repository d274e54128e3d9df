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
