"""Twilio Programmable Messaging (REST API 2010-04-01), spoken with ``requests``.

Config keys:

``PHONECAPTURE_TWILIO_ACCOUNT_SID``, ``PHONECAPTURE_TWILIO_AUTH_TOKEN`` (required, HTTP Basic);
``PHONECAPTURE_TWILIO_FROM`` or ``PHONECAPTURE_TWILIO_MESSAGING_SERVICE_SID`` (one is required;
the service wins when both are set); ``PHONECAPTURE_TWILIO_API_BASE``
(default ``https://api.twilio.com``); ``PHONECAPTURE_SMS_TIMEOUT``.

Error sorting (Twilio answers ``{"code", "message", "more_info", "status"}``):

* HTTP 429, Twilio 20429, any 5xx, timeouts -> :class:`RetryableError`;
* 10001, 20005 (account not active, usually out of funds), 20403 (account suspended)
  -> :class:`OutOfCreditError`;
* 21610 (recipient replied STOP) -> :class:`PermanentError` with reason ``opted_out``;
  21211/21614/21612/21217/21408/21265 -> ``invalid_number``; 20003 -> ``auth``;
  any other 4xx -> ``rejected``.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from . import _transport as t
from .base import OutOfCreditError, PermanentError, RetryableError, SendResult, SmsProvider

DEFAULT_API_BASE = "https://api.twilio.com"

#: Twilio error codes meaning "the account cannot pay / is not active"
OUT_OF_CREDIT_CODES = frozenset({10001, 20005, 20403})
#: Twilio error codes about the recipient number
INVALID_NUMBER_CODES = frozenset({21211, 21214, 21217, 21265, 21408, 21612, 21614})
OPTED_OUT_CODES = frozenset({21610})
AUTH_CODES = frozenset({20003})
RATE_LIMIT_CODES = frozenset({20429, 14107})

#: Twilio message status -> normalized status (sent | delivered | failed)
STATUS_MAP = {
    "accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
    "delivered": "delivered", "read": "delivered",
    "undelivered": "failed", "failed": "failed", "canceled": "failed",
}

_SID = re.compile(r"^[A-Za-z]{2}[0-9a-fA-F]{32}$")
_PERSONAL = ("to", "from", "body", "messaging_service_sid")


def normalize_status(twilio_status: str | None) -> str | None:
    return STATUS_MAP.get((twilio_status or "").strip().lower())


class TwilioProvider(SmsProvider):
    name = "twilio"

    def __init__(self, config):
        super().__init__(config)
        self.account_sid = t.require(config, "PHONECAPTURE_TWILIO_ACCOUNT_SID", self.name)
        self._auth_token = t.require(config, "PHONECAPTURE_TWILIO_AUTH_TOKEN", self.name)
        self.messaging_service_sid = config.get("PHONECAPTURE_TWILIO_MESSAGING_SERVICE_SID") or None
        self.from_ = config.get("PHONECAPTURE_TWILIO_FROM") or None
        if not (self.messaging_service_sid or self.from_):
            raise RuntimeError("PHONECAPTURE_SMS_PROVIDER='twilio' needs PHONECAPTURE_TWILIO_FROM "
                               "or PHONECAPTURE_TWILIO_MESSAGING_SERVICE_SID to be set")
        self.api_base = t.api_base(config, "PHONECAPTURE_TWILIO_API_BASE", DEFAULT_API_BASE,
                                   self.name)
        self.timeout = t.timeout_from(config)
        self.session = t.new_session()
        self.session.auth = (self.account_sid, self._auth_token)

    def _url(self, tail: str) -> str:
        return (f"{self.api_base}/2010-04-01/Accounts/{quote(self.account_sid, safe='')}"
                f"/{tail}")

    def send(self, to_e164, body, *, idempotency_key, status_callback=None):
        form = {"To": to_e164, "Body": body}
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = self.from_
        if status_callback:
            form["StatusCallback"] = status_callback
        # Twilio has no idempotency key for Messages; the key travels in a header for
        # proxies and logs that can use it, and Twilio ignores unknown headers.
        response = t.request(self.session, "POST", self._url("Messages.json"), data=form,
                             headers={"Idempotency-Key": idempotency_key},
                             provider=self.name, timeout=self.timeout)
        data = t.json_or_none(response)
        if response.status_code in (200, 201) and isinstance(data, dict) and data.get("sid"):
            status = normalize_status(data.get("status")) or "sent"
            if status == "failed":
                raise PermanentError(f"twilio: message {data['sid']} {data.get('status')} "
                                     f"(error {data.get('error_code')}) for {t.mask_e164(to_e164)}",
                                     reason=f"twilio_{data.get('error_code') or 'failed'}",
                                     status_code=response.status_code)
            return SendResult(provider_id=data["sid"], status=status,
                              raw=t.without(data, *_PERSONAL))
        if 200 <= response.status_code < 300:
            raise RetryableError("twilio: answer without a message sid", reason="bad_answer",
                                 status_code=response.status_code)
        raise self._error(response, data, to_e164)

    def lookup(self, provider_id):
        if not _SID.match(provider_id or ""):
            return None
        response = t.request(self.session, "GET", self._url(f"Messages/{provider_id}.json"),
                             provider=self.name, timeout=self.timeout)
        if response.status_code == 404:
            return None
        data = t.json_or_none(response)
        if response.status_code == 200 and isinstance(data, dict):
            return normalize_status(data.get("status"))
        raise self._error(response, data, None)

    def _error(self, response, data, to_e164):
        code = _int(data.get("code")) if isinstance(data, dict) else None
        status = response.status_code
        if status == 429 or status >= 500 or code in RATE_LIMIT_CODES:
            err = t.server_error(self.name, response)
            if code:
                err.reason = "rate_limited" if code in RATE_LIMIT_CODES else err.reason
            return err
        who = f" for {t.mask_e164(to_e164)}" if to_e164 else ""
        message = f"twilio: HTTP {status}, error {code}{who}"
        if code in OUT_OF_CREDIT_CODES:
            return OutOfCreditError(message, reason="out_of_credit", status_code=status)
        if code in OPTED_OUT_CODES:
            return PermanentError(message, reason="opted_out", status_code=status)
        if code in INVALID_NUMBER_CODES:
            return PermanentError(message, reason="invalid_number", status_code=status)
        if code in AUTH_CODES or status == 401:
            return PermanentError(message, reason="auth", status_code=status)
        return PermanentError(message, reason=f"twilio_{code}" if code else "rejected",
                              status_code=status)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
