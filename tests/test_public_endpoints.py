"""widget.js serving, events counting, the OpenAPI document and the Jinja widget helper."""
import gzip
import json
from pathlib import Path

from flask import g, render_template_string
from sqlalchemy import select

from flask_phonecapture.extension import get_state
from flask_phonecapture.models import EventCounter
from flask_phonecapture.public import BUNDLE

import os
import pytest


@pytest.fixture
def bundle_exists():
    if not os.path.exists(BUNDLE):
        pytest.skip("widget bundle is built by the Widget work")


def test_widget_js_is_cached_by_etag_and_gzipped(client, bundle_exists):
    first = client.get("/phonecapture/widget.js", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    assert first.mimetype == "application/javascript" and "max-age" in first.headers["Cache-Control"]
    tag = first.headers["ETag"]
    for if_none_match in (tag, f'"other", {tag}', "W/" + tag, "*"):
        again = client.get("/phonecapture/widget.js",
                           headers={"Accept-Encoding": "gzip", "If-None-Match": if_none_match})
        assert again.status_code == 304 and not again.get_data(), if_none_match


def test_each_encoding_of_widget_js_has_its_own_etag(client, bundle_exists):
    """A cache that revalidates its gzip copy must not be told it holds the brotli one."""
    tags = {accept: client.get("/phonecapture/widget.js", headers={"Accept-Encoding": accept}).headers["ETag"]
            for accept in ("br", "gzip", "identity")}
    assert len(set(tags.values())) == 3
    stale = client.get("/phonecapture/widget.js", headers={"Accept-Encoding": "br", "If-None-Match": tags["gzip"]})
    assert stale.status_code == 200 and stale.headers["ETag"] == tags["br"]


CHROMIUM_ACCEPTS = "gzip, deflate, br, zstd"


@pytest.mark.parametrize("accept, encoding", [
    (CHROMIUM_ACCEPTS, "br"), ("gzip, deflate", "gzip"), ("br;q=0.5, gzip", "gzip"),
    ("gzip;q=0, identity", None), ("", None),
])
def test_widget_js_goes_out_in_the_best_encoding_the_client_accepts(client, bundle_exists, accept, encoding):
    response = client.get("/phonecapture/widget.js", headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == encoding and "Accept-Encoding" in response.headers["Vary"]
    source = Path(BUNDLE).read_bytes()
    body = response.get_data()
    if encoding == "br":  # the build's copy (widget/test checks it decompresses to the bundle)
        assert body == Path(BUNDLE + ".br").read_bytes() and len(body) < len(gzip.compress(source, 9))
    else:
        assert (gzip.decompress(body) if encoding else body) == source


def test_form_config_is_gzipped_for_a_client_that_accepts_it(client):
    url = "/phonecapture/api/v1/forms/tracking"
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": CHROMIUM_ACCEPTS})
    assert "Content-Encoding" not in plain.headers and zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"] and zipped.headers["Cache-Control"] == "no-store"
    config = json.loads(gzip.decompress(zipped.get_data()))
    assert config.keys() == plain.json.keys() and len(zipped.get_data()) < len(plain.get_data()) * 0.7


def test_small_answers_are_not_compressed(client):
    missing = client.get("/phonecapture/api/v1/forms/nope", headers={"Accept-Encoding": "gzip"})
    assert missing.status_code == 404 and "Content-Encoding" not in missing.headers


def test_widget_js_opens_with_the_compile_hint(client, bundle_exists):
    """V8 reads `//# allFunctionsCalledOnLoad` only at the top of the file: it moves compiling
    the widget off the page's main thread (docs/widget.md, Page impact)."""
    body = client.get("/phonecapture/widget.js").get_data(as_text=True)
    assert body.startswith("//# allFunctionsCalledOnLoad\n/*! phonecapture ")


def test_events_are_counted_per_form_day_and_source(app, client):
    for _ in range(3):
        assert client.post("/phonecapture/api/v1/events", json={
            "form_id": "callback", "event": "impression", "source": {"utm_source": "ya"}}).status_code == 204
    client.post("/phonecapture/api/v1/events", json={"form_id": "callback", "event": "open"})
    with app.app_context():
        rows = {(r.event, r.source): r.count for r in get_state().db.session.execute(select(EventCounter)).scalars()}
    assert rows == {("impression", "ya"): 3, ("open", "(direct)"): 1}


@pytest.mark.parametrize("utm_source", ["+79123456789", "call 8 (912) 345-67-89", "%2B79123456789"])
def test_event_source_label_hides_a_phone_number(app, client, utm_source):
    assert client.post("/phonecapture/api/v1/events", json={
        "form_id": "tracking", "event": "open", "source": {"utm_source": utm_source}}).status_code == 204
    with app.app_context():
        labels = [r.source for r in get_state().db.session.execute(select(EventCounter)).scalars()]
    assert len(labels) == 1 and "[phone]" in labels[0]
    assert "3456789" not in "".join(c for c in labels[0] if c.isdigit())


@pytest.mark.parametrize("body, status", [
    ({"form_id": "nope", "event": "open"}, 404), ({"form_id": "callback", "event": "hack"}, 422),
    ({"event": "open"}, 404),
])
def test_bad_events_are_4xx(client, body, status):
    assert client.post("/phonecapture/api/v1/events", json=body).status_code == status


def test_openapi_lists_every_api_route(app, client):
    doc = client.get("/phonecapture/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    actual = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("phonecapture_api.") and "openapi" not in rule.rule:
            path = rule.rule.replace("/phonecapture/api/v1", "").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                actual.add((path, method))
    assert documented == actual


def test_widget_helper_renders_one_script_tag_with_nonce(app):
    with app.test_request_context("/"):
        g.csp_nonce = "abc123"
        html = render_template_string("{{ phonecapture_widget('callback') }}")
    assert html == ('<script src="/phonecapture/widget.js" data-form="callback" '
                    'data-api="/phonecapture/api/v1" nonce="abc123" async></script>')


def test_a_nul_byte_in_an_event_tag_is_dropped_not_a_500(app, client):
    assert client.post("/phonecapture/api/v1/events", json={
        "form_id": "callback", "event": "open", "source": {"utm_source": "y\x00a"}}).status_code == 204
    with app.app_context():
        labels = [r.source for r in get_state().db.session.execute(select(EventCounter)).scalars()]
    assert labels == ["ya"]
