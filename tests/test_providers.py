"""Each SMS provider against its local protocol server (tests/fakes/sms_servers.py)."""
from __future__ import annotations

import json

import pytest

from flask_phonecapture.messaging.providers import (OutOfCreditError, PermanentError,
                                                    RetryableError, load_provider)

TO = "+79123456789"
SECRET_DIGITS = "9123456789"  # must never show up in an error message
ALL = ["twilio", "smsru", "smsaero", "http"]
providers = pytest.mark.parametrize("fake_sms_server", ALL, indirect=True)


def provider_for(server, **overrides):
    config = {**server.config(), "PHONECAPTURE_SMS_TIMEOUT": 2, **overrides}
    return load_provider(config["PHONECAPTURE_SMS_PROVIDER"], config)


def send(provider, body="Код 1234", key="msg-1", callback=None):
    return provider.send(TO, body, idempotency_key=key, status_callback=callback)


# -------------------------------------------------------------------- common behaviour
@providers
def test_send_is_accepted_and_recorded_by_the_provider(fake_sms_server):
    result = send(provider_for(fake_sms_server), body="Ваш код 1234")
    assert result.status == "sent"
    [message] = fake_sms_server.accepted
    assert message.id == result.provider_id
    assert (message.to, message.body) == (TO, "Ваш код 1234")
    assert len(fake_sms_server.requests_to("send")) == 1


@providers
def test_send_result_raw_answer_leaves_the_number_and_text_out(fake_sms_server):
    result = send(provider_for(fake_sms_server), body="Ваш код 1234")
    raw = json.dumps(result.raw, ensure_ascii=False)
    assert SECRET_DIGITS not in raw and "Ваш код" not in raw


@providers
def test_lookup_reports_the_status_the_provider_holds(fake_sms_server):
    provider = provider_for(fake_sms_server)
    result = send(provider)
    assert provider.lookup(result.provider_id) == "sent"
    fake_sms_server.set_status(result.provider_id, "delivered")
    assert provider.lookup(result.provider_id) == "delivered"
    fake_sms_server.set_status(result.provider_id, "failed")
    assert provider.lookup(result.provider_id) == "failed"


@providers
def test_lookup_of_an_unknown_message_is_none(fake_sms_server):
    unknown = {"twilio": "SM" + "0" * 32, "smsru": "000000-1", "smsaero": "99",
               "http": "msg-404"}[fake_sms_server.name]
    assert provider_for(fake_sms_server).lookup(unknown) is None


@providers
def test_server_error_is_retryable_and_nothing_was_accepted(fake_sms_server):
    fake_sms_server.fail_next(1, status=503)
    with pytest.raises(RetryableError) as caught:
        send(provider_for(fake_sms_server))
    assert caught.value.status_code == 503
    assert caught.value.reason == "server_error"
    assert fake_sms_server.accepted == []


@providers
def test_gateway_timeout_is_retryable_but_flagged_as_maybe_accepted(fake_sms_server):
    from flask_phonecapture.messaging.providers._transport import AMBIGUOUS_REASONS

    fake_sms_server.fail_next(1, status=504)
    with pytest.raises(RetryableError) as caught:
        send(provider_for(fake_sms_server))
    assert caught.value.reason == "gateway_timeout" and caught.value.reason in AMBIGUOUS_REASONS


@providers
def test_rate_limit_is_retryable_and_carries_retry_after(fake_sms_server):
    fake_sms_server.rate_limit_next(1, retry_after=7)
    with pytest.raises(RetryableError) as caught:
        send(provider_for(fake_sms_server))
    assert caught.value.reason == "rate_limited"
    assert caught.value.retry_after == 7


@providers
def test_hung_provider_times_out_as_a_retryable_read_timeout(fake_sms_server):
    fake_sms_server.hang_next(1, seconds=3)
    with pytest.raises(RetryableError) as caught:
        send(provider_for(fake_sms_server, PHONECAPTURE_SMS_TIMEOUT=0.3))
    assert caught.value.reason == "read_timeout"
    assert fake_sms_server.accepted == []


@providers
def test_500_then_timeout_then_success_delivers_exactly_once(fake_sms_server):
    fake_sms_server.fail_next(1)
    fake_sms_server.hang_next(1, seconds=4)
    # The timeout must cut the hang, yet leave the third, healthy answer room on a busy CI
    # machine (0.3 s once timed it out too).
    provider = provider_for(fake_sms_server, PHONECAPTURE_SMS_TIMEOUT=1.5)
    errors = []
    for _ in range(3):
        try:
            result = send(provider, key="same-key")
            break
        except RetryableError as exc:
            errors.append(exc.reason)
    assert errors == ["server_error", "read_timeout"]
    assert [m.id for m in fake_sms_server.accepted] == [result.provider_id]
    assert len(fake_sms_server.requests_to("send")) == 3


@providers
def test_out_of_credit_raises_out_of_credit(fake_sms_server):
    fake_sms_server.out_of_credit_next()
    with pytest.raises(OutOfCreditError) as caught:
        send(provider_for(fake_sms_server))
    assert caught.value.reason == "out_of_credit"
    assert SECRET_DIGITS not in str(caught.value)


@providers
def test_rejected_number_is_permanent_and_message_hides_the_number(fake_sms_server):
    fake_sms_server.reject_next(reason="invalid_number")
    with pytest.raises(PermanentError) as caught:
        send(provider_for(fake_sms_server))
    assert caught.value.reason == "invalid_number"
    assert SECRET_DIGITS not in str(caught.value)


@providers
def test_wrong_credentials_are_a_permanent_auth_error(fake_sms_server):
    wrong = {"twilio": {"PHONECAPTURE_TWILIO_AUTH_TOKEN": "nope"},
             "smsru": {"PHONECAPTURE_SMSRU_API_ID": "nope"},
             "smsaero": {"PHONECAPTURE_SMSAERO_API_KEY": "nope"},
             "http": {"PHONECAPTURE_HTTP_AUTH_VALUE": "Bearer nope"}}[fake_sms_server.name]
    with pytest.raises(PermanentError) as caught:
        send(provider_for(fake_sms_server, **wrong))
    assert caught.value.reason == "auth"
    assert fake_sms_server.accepted == []


@providers
def test_unreachable_provider_is_a_retryable_connect_error(fake_sms_server):
    provider = provider_for(fake_sms_server)
    fake_sms_server.stop()
    with pytest.raises(RetryableError) as caught:
        send(provider)
    assert caught.value.reason in {"connect_error", "connect_timeout"}


@pytest.mark.parametrize("name, missing", [
    ("twilio", "PHONECAPTURE_TWILIO_ACCOUNT_SID"), ("twilio", "PHONECAPTURE_TWILIO_AUTH_TOKEN"),
    ("smsru", "PHONECAPTURE_SMSRU_API_ID"), ("smsaero", "PHONECAPTURE_SMSAERO_EMAIL"),
    ("smsaero", "PHONECAPTURE_SMSAERO_API_KEY"), ("http", "PHONECAPTURE_HTTP_API_BASE"),
])
def test_missing_required_key_is_named_in_a_runtime_error(name, missing):
    config = {"PHONECAPTURE_TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
              "PHONECAPTURE_TWILIO_AUTH_TOKEN": "t", "PHONECAPTURE_TWILIO_FROM": "+15005550006",
              "PHONECAPTURE_SMSRU_API_ID": "id", "PHONECAPTURE_SMSAERO_EMAIL": "a@b.c",
              "PHONECAPTURE_SMSAERO_API_KEY": "k", "PHONECAPTURE_HTTP_API_BASE": "http://gw"}
    del config[missing]
    with pytest.raises(RuntimeError, match=missing):
        load_provider(name, config)


def test_default_api_bases_are_the_real_public_services():
    base = {"PHONECAPTURE_TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "PHONECAPTURE_TWILIO_AUTH_TOKEN": "t",
            "PHONECAPTURE_TWILIO_FROM": "+15005550006", "PHONECAPTURE_SMSRU_API_ID": "id",
            "PHONECAPTURE_SMSAERO_EMAIL": "a@b.c", "PHONECAPTURE_SMSAERO_API_KEY": "k"}
    assert load_provider("twilio", base).api_base == "https://api.twilio.com"
    assert load_provider("smsru", base).api_base == "https://sms.ru"
    assert load_provider("smsaero", base).api_base == "https://gate.smsaero.ru"


def test_sms_timeout_config_bounds_connect_and_read():
    config = {"PHONECAPTURE_SMSRU_API_ID": "id", "PHONECAPTURE_SMS_TIMEOUT": 30}
    assert load_provider("smsru", config).timeout == (5.0, 30.0)
    assert load_provider("smsru", {"PHONECAPTURE_SMSRU_API_ID": "id"}).timeout == (5.0, 10.0)
    with pytest.raises(RuntimeError, match="PHONECAPTURE_SMS_TIMEOUT"):
        load_provider("smsru", {**config, "PHONECAPTURE_SMS_TIMEOUT": "soon"})


# ---------------------------------------------------------------------------- Twilio
def test_twilio_posts_the_documented_form_with_basic_auth(fake_twilio):
    send(provider_for(fake_twilio), callback="https://shop.example/phonecapture/hooks/twilio/status")
    [request] = fake_twilio.requests_to("send")
    assert request.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    assert request.form == {"To": TO, "Body": "Код 1234", "From": fake_twilio.from_,
                            "StatusCallback": "https://shop.example/phonecapture/hooks/twilio/status"}
    assert request.header("Idempotency-Key") == "msg-1"


def test_twilio_messaging_service_replaces_from(fake_twilio):
    service = "MG" + "2" * 32
    send(provider_for(fake_twilio, PHONECAPTURE_TWILIO_MESSAGING_SERVICE_SID=service))
    form = fake_twilio.requests_to("send")[0].form
    assert form["MessagingServiceSid"] == service and "From" not in form


def test_twilio_needs_a_sender():
    with pytest.raises(RuntimeError, match="PHONECAPTURE_TWILIO_FROM"):
        load_provider("twilio", {"PHONECAPTURE_TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
                                 "PHONECAPTURE_TWILIO_AUTH_TOKEN": "t"})


def test_twilio_opted_out_recipient_21610_is_permanent_opted_out(fake_twilio):
    fake_twilio.opted_out.add(TO)
    with pytest.raises(PermanentError) as caught:
        send(provider_for(fake_twilio))
    assert caught.value.reason == "opted_out"
    assert caught.value.status_code == 400


def test_twilio_account_not_active_20005_is_out_of_credit(fake_twilio):
    fake_twilio.out_of_credit_next()
    with pytest.raises(OutOfCreditError):
        send(provider_for(fake_twilio))


def test_twilio_lookup_ignores_ids_that_are_not_message_sids(fake_twilio):
    assert provider_for(fake_twilio).lookup("../../Calls") is None
    assert fake_twilio.requests == []


# ---------------------------------------------------------------------------- SMS.ru
def test_smsru_posts_api_id_digits_text_and_json_flag(fake_smsru):
    result = send(provider_for(fake_smsru, PHONECAPTURE_SMSRU_FROM="SHOP"))
    form = fake_smsru.requests_to("send")[0].form
    assert form == {"api_id": fake_smsru.api_id, "to": "79123456789", "msg": "Код 1234",
                    "json": "1", "from": "SHOP"}
    assert result.provider_id.startswith("000000-")
    assert result.raw["balance"] == pytest.approx(999.5)


@pytest.mark.parametrize("code, error, reason", [
    (201, OutOfCreditError, "out_of_credit"), (202, PermanentError, "invalid_number"),
    (207, PermanentError, "invalid_number"), (209, PermanentError, "opted_out"),
    (215, PermanentError, "opted_out"), (204, PermanentError, "smsru_204"),
    (220, RetryableError, "server_error"), (230, RetryableError, "rate_limited"),
])
def test_smsru_status_codes_sort_into_error_classes(fake_smsru, code, error, reason):
    provider = provider_for(fake_smsru)
    with pytest.raises(error) as caught:
        raise provider._error(code, TO, 200)
    assert caught.value.reason == reason
    assert SECRET_DIGITS not in str(caught.value)


def test_smsru_temporarily_unavailable_220_over_http_200_is_retryable(fake_smsru):
    fake_smsru.fail_next(1, status=220)
    with pytest.raises(RetryableError) as caught:
        send(provider_for(fake_smsru))
    assert caught.value.retry_after == 60


def test_smsru_stop_listed_number_is_permanent_opted_out(fake_smsru):
    fake_smsru.reject_next(reason="opted_out")
    with pytest.raises(PermanentError) as caught:
        send(provider_for(fake_smsru))
    assert caught.value.reason == "opted_out"


# -------------------------------------------------------------------------- SMS Aero
def test_smsaero_posts_json_with_digits_sign_and_callback(fake_smsaero):
    send(provider_for(fake_smsaero), callback="https://shop.example/hooks/smsaero/status?pc_key=k")
    request = fake_smsaero.requests_to("send")[0]
    assert request.path == "/v2/sms/send"
    assert request.json == {"number": "79123456789", "text": "Код 1234", "sign": "SMS Aero",
                            "callbackUrl": "https://shop.example/hooks/smsaero/status?pc_key=k"}


def test_smsaero_provider_text_with_a_number_is_scrubbed_from_errors(fake_smsaero):
    provider = provider_for(fake_smsaero)

    class Answer:
        status_code = 400
        headers: dict = {}

        @staticmethod
        def json():
            return {"success": False, "data": None, "message": "number +79123456789 invalid"}

    with pytest.raises(PermanentError) as caught:
        provider._data(Answer(), TO)
    assert caught.value.reason == "invalid_number"
    assert SECRET_DIGITS not in str(caught.value)


# ------------------------------------------------------------------------ generic http
def test_http_body_template_is_filled_without_format_string_injection(fake_http_gateway):
    template = json.dumps({"to": "{to}", "text": "{body}", "id": "{idempotency_key}",
                           "meta": {"digits": "{to_digits}", "cb": "{status_callback}",
                                    "note": "key={idempotency_key}"}})
    provider = provider_for(fake_http_gateway, PHONECAPTURE_HTTP_BODY_TEMPLATE=template)
    nasty = 'Hi {to} {0} {__class__} "}, "to": "+10000000000'
    provider.send(TO, nasty, idempotency_key="k-1")
    body = fake_http_gateway.requests_to("send")[0].json
    assert body == {"to": TO, "text": nasty, "id": "k-1",
                    "meta": {"digits": "79123456789", "cb": None, "note": "key=k-1"}}


@pytest.mark.parametrize("template, message", [
    ("not json", "not valid JSON"), ("[1, 2]", "JSON object"),
    ('{"text": "{body}"}', "{to}"), ('{"to": "{to}", "text": "{body}", "x": "{secret}"}', "unknown"),
])
def test_http_bad_body_template_is_refused_at_start(template, message):
    with pytest.raises(RuntimeError, match=message):
        load_provider("http", {"PHONECAPTURE_HTTP_API_BASE": "http://gw",
                               "PHONECAPTURE_HTTP_BODY_TEMPLATE": template})


def test_http_gateway_deduplicates_a_resend_with_the_same_idempotency_key(fake_http_gateway):
    provider = provider_for(fake_http_gateway)
    first = send(provider, key="same")
    second = send(provider, key="same")
    assert first.provider_id == second.provider_id
    assert len(fake_http_gateway.accepted) == 1 and fake_http_gateway.duplicates == 1


def test_http_custom_auth_header_and_answer_fields(fake_http_gateway):
    fake_http_gateway.token = "abc"
    provider = provider_for(fake_http_gateway, PHONECAPTURE_HTTP_AUTH_HEADER="Authorization",
                            PHONECAPTURE_HTTP_AUTH_VALUE="Bearer abc",
                            PHONECAPTURE_HTTP_ID_FIELD="id")
    assert send(provider).provider_id.startswith("msg-")


def test_http_without_status_path_has_no_lookup(fake_http_gateway):
    provider = provider_for(fake_http_gateway, PHONECAPTURE_HTTP_STATUS_PATH=None)
    assert provider.lookup(send(provider).provider_id) is None


def test_http_unknown_rejection_code_becomes_the_reason(fake_http_gateway):
    fake_http_gateway.reject_next(reason="Content Blocked!")
    with pytest.raises(PermanentError) as caught:
        send(provider_for(fake_http_gateway))
    assert caught.value.reason == "content_blocked"


# ------------------------------------------------------------- receipts via the fakes
def test_receipt_can_arrive_before_the_send_call_returns(fake_twilio, callback_recorder):
    fake_twilio.receipt_before_response = "delivered"
    hook = callback_recorder.url("/phonecapture/hooks/twilio/status")
    result = send(provider_for(fake_twilio), callback=hook)
    [receipt] = callback_recorder.requests   # already there when send() returned
    assert receipt.form["MessageSid"] == result.provider_id
    assert receipt.form["MessageStatus"] == "delivered"


def test_smsaero_receipt_reaches_the_signed_callback_url(fake_smsaero, callback_recorder):
    from flask_phonecapture.messaging import signatures

    secret = fake_smsaero.callback_secret
    hook = signatures.sign_callback_url(callback_recorder.url("/hooks/smsaero/status"), secret,
                                        "msg-1")
    result = send(provider_for(fake_smsaero), callback=hook)
    fake_smsaero.fire_status(None, result.provider_id, "delivered")
    [receipt] = callback_recorder.requests
    url = callback_recorder.base_url + receipt.path + "?" + "&".join(
        f"{k}={v[0]}" for k, v in receipt.query.items())
    assert signatures.verify_callback("smsaero", fake_smsaero.config(), url=url)
    assert signatures.parse_status_callback("smsaero", body=receipt.body) == [
        signatures.StatusUpdate(result.provider_id, "delivered")]


def test_smsru_receipts_go_to_the_cabinet_callback_url(fake_smsru, callback_recorder):
    from flask_phonecapture.messaging import signatures

    fake_smsru.callback_url = callback_recorder.url("/hooks/smsru/status")
    result = send(provider_for(fake_smsru))
    fake_smsru.fire_status(None, result.provider_id, "failed", error_code="107")
    form = callback_recorder.requests[0].form
    assert signatures.verify_callback("smsru", fake_smsru.config(), url="", form=form)
    assert signatures.parse_smsru_status(form) == [
        signatures.StatusUpdate(result.provider_id, "failed", "unknown_error")]
