"""Callback signatures and parsers. Twilio's own RequestValidator is the reference."""
from __future__ import annotations

import hashlib
import json

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from flask_phonecapture.messaging import signatures as sig
from flask_phonecapture.messaging.signatures import InboundMessage, StatusUpdate

TOKEN = "12345678901234567890123456789012"
URL = "https://shop.example.com/phonecapture/hooks/twilio/status"
PARAMS = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered", "AccountSid": "AC" + "b" * 32,
          "From": "+15005550006", "To": "+79123456789", "ApiVersion": "2010-04-01"}


# ---------------------------------------------------------------------------- Twilio
@pytest.mark.parametrize("url, params", [
    (URL, PARAMS),
    (URL + "?source=sms&x=%20y", PARAMS),
    (URL, {}),
    (URL, {"Body": "СТОП 🛑 & ünïcode = +", "From": "+79123456789", "To": "+15005550006"}),
    ("https://shop.example.com:8443/hooks/twilio/inbound", {"Body": "help"}),
])
def test_twilio_signature_matches_the_official_request_validator(url, params):
    reference = RequestValidator(TOKEN).compute_signature(url, params)
    assert sig.twilio_signature(TOKEN, url, params) == reference
    assert sig.verify_twilio(TOKEN, url, params, reference)


def test_twilio_signature_over_repeated_params_matches_the_validator_for_a_multidict():
    params = MultiDict([("Media", "b"), ("Media", "a"), ("Body", "x")])
    reference = RequestValidator(TOKEN).compute_signature(URL, params)
    assert sig.twilio_signature(TOKEN, URL, params) == reference
    assert sig.verify_twilio(TOKEN, URL, params, reference)


@pytest.mark.parametrize("signed, checked", [
    ("https://shop.example.com:443/hook", "https://shop.example.com/hook"),
    ("https://shop.example.com/hook", "https://shop.example.com:443/hook"),
])
def test_twilio_signature_accepts_the_url_with_or_without_default_port_like_twilio(signed, checked):
    signature = RequestValidator(TOKEN).compute_signature(signed, PARAMS)
    assert RequestValidator(TOKEN).validate(checked, PARAMS, signature)
    assert sig.verify_twilio(TOKEN, checked, PARAMS, signature)


@pytest.mark.parametrize("tamper", [
    lambda u, p, s: (u, {**p, "MessageStatus": "failed"}, s),        # changed parameter
    lambda u, p, s: (u, {**p, "Extra": "1"}, s),                     # added parameter
    lambda u, p, s: (u.replace("shop", "evil"), p, s),               # other host
    lambda u, p, s: ("http" + u[5:], p, s),                          # http instead of https
    lambda u, p, s: (u + "?x=1", p, s),                              # other query
    lambda u, p, s: (u, p, s[:-2] + ("AA" if s[-2:] != "AA" else "BB")),  # altered signature
    lambda u, p, s: (u, p, ""),                                      # no signature
    lambda u, p, s: (u, p, None),
])
def test_twilio_tampered_or_forged_callback_is_rejected(tamper):
    signature = RequestValidator(TOKEN).compute_signature(URL, PARAMS)
    url, params, forged = tamper(URL, PARAMS, signature)
    assert RequestValidator(TOKEN).validate(url, params, forged or "") is False
    assert sig.verify_twilio(TOKEN, url, params, forged) is False


def test_twilio_signature_with_another_auth_token_is_rejected():
    forged = RequestValidator("f" * 32).compute_signature(URL, PARAMS)
    assert sig.verify_twilio(TOKEN, URL, PARAMS, forged) is False


def test_twilio_secondary_auth_token_is_accepted_during_rotation():
    signature = RequestValidator("new-token").compute_signature(URL, PARAMS)
    assert sig.verify_twilio([TOKEN, "new-token"], URL, PARAMS, signature)


def test_twilio_json_webhook_checks_body_hash_like_the_validator():
    body = json.dumps({"MessageSid": "SM1", "MessageStatus": "delivered"})
    url = URL + "?bodySHA256=" + hashlib.sha256(body.encode()).hexdigest()
    signature = RequestValidator(TOKEN).compute_signature(url, {})
    assert RequestValidator(TOKEN).validate(url, body, signature)
    assert sig.verify_twilio(TOKEN, url, None, signature, body=body)
    assert sig.verify_twilio(TOKEN, url, None, signature, body=body + " ") is False


def test_verify_callback_uses_the_public_url_and_the_configured_token():
    config = {"PHONECAPTURE_TWILIO_AUTH_TOKEN": TOKEN}
    headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(URL, PARAMS)}
    public = sig.public_url("https://shop.example.com/", "/phonecapture/hooks/twilio/status")
    assert sig.verify_callback("twilio", config, url=public, headers=headers, form=PARAMS)
    behind_proxy = "http://10.0.0.5:8000/phonecapture/hooks/twilio/status"
    assert not sig.verify_callback("twilio", config, url=behind_proxy, headers=headers, form=PARAMS)


def test_verify_callback_without_the_key_configured_is_a_clear_runtime_error():
    with pytest.raises(RuntimeError, match="PHONECAPTURE_TWILIO_AUTH_TOKEN"):
        sig.verify_callback("twilio", {}, url=URL, headers={}, form=PARAMS)


@pytest.mark.parametrize("status, expected", [
    ("queued", StatusUpdate("SM1", "sent", None)), ("sent", StatusUpdate("SM1", "sent", None)),
    ("delivered", StatusUpdate("SM1", "delivered", None)),
    ("read", StatusUpdate("SM1", "delivered", None)),
    ("undelivered", StatusUpdate("SM1", "failed", "twilio_30003")),
    ("failed", StatusUpdate("SM1", "failed", "twilio_30003")),
])
def test_twilio_status_callback_normalizes_to_sent_delivered_failed(status, expected):
    form = {"MessageSid": "SM1", "MessageStatus": status}
    if expected.status == "failed":
        form["ErrorCode"] = "30003"
    assert sig.parse_status_callback("twilio", form=form) == [expected]


def test_twilio_status_callback_without_sid_is_a_value_error():
    with pytest.raises(ValueError):
        sig.parse_twilio_status({"MessageStatus": "delivered"})


def test_twilio_inbound_gives_sender_and_text():
    form = {"From": "+79123456789", "To": "+15005550006", "Body": "СТОП", "MessageSid": "SM2"}
    assert sig.parse_inbound_callback("twilio", form=form) == InboundMessage("+79123456789", "СТОП")


def test_inbound_with_a_garbage_sender_is_a_value_error_without_the_value():
    with pytest.raises(ValueError) as caught:
        sig.parse_twilio_inbound({"From": "client:alice12345", "Body": "STOP"})
    assert "alice" not in str(caught.value)


# ---------------------------------------------------------------------------- SMS.ru
def smsru_form(api_id, entries):
    form = {f"data[{i}]": entry for i, entry in enumerate(entries)}
    form["hash"] = hashlib.sha256((api_id + "".join(entries)).encode()).hexdigest()
    return form


ENTRIES = ["sms_status\n000000-10000001\n103\n1700000000",
           "sms_status\n000000-10000002\n104\n1700000001",
           "callcheck_status\n201737-542\n401\n1700000002"]


def test_smsru_callback_hash_is_sha256_of_api_id_and_data_entries():
    assert sig.verify_smsru("API-ID", smsru_form("API-ID", ENTRIES))
    assert sig.verify_callback("smsru", {"PHONECAPTURE_SMSRU_API_ID": "API-ID"}, url="",
                               form=smsru_form("API-ID", ENTRIES))


@pytest.mark.parametrize("tamper", [
    lambda f: {**f, "data[0]": f["data[0]"].replace("103", "104")},
    lambda f: {**f, "data[3]": "sms_status\nX\n103\n1"},
    lambda f: {k: v for k, v in f.items() if k != "hash"},
    lambda f: {k: v for k, v in f.items() if k != "data[1]"},
    lambda f: {**f, "hash": "0" * 64},
])
def test_smsru_tampered_callback_is_rejected(tamper):
    assert sig.verify_smsru("API-ID", tamper(smsru_form("API-ID", ENTRIES))) is False


def test_smsru_callback_signed_with_another_api_id_is_rejected():
    assert sig.verify_smsru("API-ID", smsru_form("OTHER", ENTRIES)) is False


def test_smsru_entries_are_read_in_index_order_from_a_multidict():
    form = MultiDict([("data[1]", "b"), ("data[0]", "a"), ("data[10]", "c"), ("hash", "x")])
    assert sig.smsru_data_entries(form) == ["a", "b", "c"]


def test_smsru_status_callback_yields_every_sms_status_entry():
    assert sig.parse_status_callback("smsru", form=smsru_form("API-ID", ENTRIES)) == [
        StatusUpdate("000000-10000001", "delivered", None),
        StatusUpdate("000000-10000002", "failed", "expired"),
    ]


def test_smsru_in_transit_and_read_codes():
    form = smsru_form("k", ["sms_status\n1\n102\n0", "sms_status\n2\n110\n0", "sms_status\n3\n999\n0"])
    assert sig.parse_smsru_status(form) == [StatusUpdate("1", "sent"), StatusUpdate("2", "delivered")]


# ------------------------------------------------------------ shared secret (http)
def test_shared_secret_signature_round_trips_and_checks_freshness():
    body = b'{"id": "msg-1", "status": "delivered"}'
    header = sig.sign_payload("s3cret", body, timestamp=1_700_000_000)
    assert sig.verify_payload("s3cret", body, header, now=1_700_000_100)
    assert not sig.verify_payload("s3cret", body, header, now=1_700_000_000 + 301)  # replay later
    assert not sig.verify_payload("s3cret", body, header, now=1_700_000_000 - 301)
    assert not sig.verify_payload("other", body, header, now=1_700_000_100)
    assert not sig.verify_payload("s3cret", body + b" ", header, now=1_700_000_100)
    assert not sig.verify_payload("s3cret", body, header.replace("t=1700000000", "t=1700000050"),
                                  now=1_700_000_100)
    assert not sig.verify_payload("s3cret", body, None)
    assert not sig.verify_payload("s3cret", body, "v1=abc", now=1_700_000_100)


def test_shared_secret_accepts_any_of_several_secrets_for_rotation():
    header = sig.sign_payload("new", b"{}", timestamp=100)
    assert sig.verify_payload(["old", "new"], b"{}", header, now=100)


def test_http_callbacks_parse_status_lists_and_inbound():
    body = json.dumps({"messages": [{"id": "m1", "status": "delivered"},
                                    {"id": "m2", "status": "undelivered", "error": "absent"},
                                    {"id": "m3", "status": "weird"}]})
    assert sig.parse_status_callback("http", body=body) == [
        StatusUpdate("m1", "delivered", None), StatusUpdate("m2", "failed", "absent")]
    inbound = sig.parse_inbound_callback("http", body=json.dumps({"from": "79123456789",
                                                                 "text": "STOP"}))
    assert inbound == InboundMessage("+79123456789", "STOP")


def test_verify_callback_for_http_reads_the_documented_header():
    body = b'{"from": "+79123456789", "text": "STOP"}'
    headers = {"x-phonecapture-signature": sig.sign_payload("s3cret", body)}
    config = {"PHONECAPTURE_HTTP_CALLBACK_SECRET": "s3cret"}
    assert sig.verify_callback("http", config, url="", headers=headers, body=body)
    assert not sig.verify_callback("http", config, url="", headers={}, body=body)


# ------------------------------------------------------------- URL token (SMS Aero)
def test_callback_url_token_binds_the_message_key_and_purpose():
    url = sig.sign_callback_url("https://shop.example.com/phonecapture/hooks/smsaero/status",
                                "s3cret", "out-42")
    assert sig.verify_callback_url(url, "s3cret") == "out-42"
    assert sig.verify_callback_url(url, "other") is None
    assert sig.verify_callback_url(url, "s3cret", purpose="inbound") is None
    assert sig.verify_callback_url(url.replace("out-42", "out-43"), "s3cret") is None
    assert sig.verify_callback("smsaero", {"PHONECAPTURE_SMSAERO_CALLBACK_SECRET": "s3cret"},
                               url=url)


def test_smsaero_status_callback_json_or_form():
    assert sig.parse_status_callback("smsaero", body=json.dumps(
        {"id": 501, "status": 1, "extendStatus": "delivery"})) == [StatusUpdate("501", "delivered")]
    assert sig.parse_status_callback("smsaero", form={"id": "502", "status": "6",
                                                      "extendStatus": "reject"}) == [
        StatusUpdate("502", "failed", "reject")]


def test_providers_without_inbound_say_so():
    with pytest.raises(LookupError):
        sig.parse_inbound_callback("smsru", form={})


# ------------------------------------------------- fakes fire correctly signed callbacks
def test_fake_twilio_receipt_verifies_against_the_public_url(fake_twilio, callback_recorder):
    public = "https://shop.example.com/phonecapture/hooks/twilio/status"
    fake_twilio.fire_status(callback_recorder.url("/status"), "SM" + "c" * 32, "delivered",
                            signed_url=public)
    [request] = callback_recorder.requests
    form = request.form
    assert sig.verify_twilio(fake_twilio.auth_token, public, form,
                             request.header("X-Twilio-Signature"))
    assert sig.parse_twilio_status(form) == [StatusUpdate("SM" + "c" * 32, "delivered")]


def test_fake_smsru_receipt_carries_a_valid_hash(fake_smsru, callback_recorder):
    fake_smsru.fire_status(callback_recorder.url(), "000000-1", "delivered")
    form = callback_recorder.requests[0].form
    assert sig.verify_smsru(fake_smsru.api_id, form)
    assert sig.parse_smsru_status(form) == [StatusUpdate("000000-1", "delivered")]


def test_fake_http_gateway_inbound_is_signed(fake_http_gateway, callback_recorder):
    fake_http_gateway.fire_inbound(callback_recorder.url("/inbound"), "+79123456789", "СТОП")
    request = callback_recorder.requests[0]
    assert sig.verify_payload(fake_http_gateway.callback_secret, request.body,
                              request.header(sig.SIGNATURE_HEADER))
    assert sig.parse_http_inbound(request.body) == InboundMessage("+79123456789", "СТОП")
