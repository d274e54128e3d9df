"""SMS Aero API v2 (``/v2/sms/send``, ``/v2/sms/status``), spoken with ``requests``.

Config keys: ``PHONECAPTURE_SMSAERO_EMAIL`` and ``PHONECAPTURE_SMSAERO_API_KEY`` (required,
HTTP Basic ``email:api_key``), ``PHONECAPTURE_SMSAERO_SIGN`` (approved sender name,
default ``SMS Aero``), ``PHONECAPTURE_SMSAERO_API_BASE`` (default
``https://gate.smsaero.ru``), ``PHONECAPTURE_SMS_TIMEOUT``.

SMS Aero answers ``{"success": true, "data": {...}, "message": null}``; failures carry
``success: false`` and a ``message``, or ``{"result": "no credits"}`` /
``{"result": "reject", "reason": ...}``. Message states (``data.status``): 0 queued,
1 delivered, 2 not delivered, 3 handed to the operator, 4 waiting for a report,
6 rejected, 8 on moderation.

SMS Aero does not sign its status callbacks, so the callback URL handed to it should carry
the token made by :func:`flask_phonecapture.messaging.signatures.sign_callback_url`.
"""
from __future__ import annotations

import re

from . import _transport as t
from .base import OutOfCreditError, PermanentError, RetryableError, SendResult, SmsProvider

DEFAULT_API_BASE = "https://gate.smsaero.ru"
DEFAULT_SIGN = "SMS Aero"

STATUS_MAP = {0: "sent", 3: "sent", 4: "sent", 8: "sent",
              1: "delivered",
              2: "failed", 6: "failed"}
EXTEND_STATUS_MAP = {"queue": "sent", "moderation": "sent", "wait status": "sent",
                     "transfer": "sent", "smsc submit": "sent",
                     "delivery": "delivered", "delivery success": "delivered",
                     "delivery failure": "failed", "delivery error": "failed",
                     "reject": "failed", "smsc reject": "failed"}

_NO_MONEY = re.compile(r"no credits|no money|insufficient|not enough|недостаточно|баланс",
                       re.IGNORECASE)
_BAD_NUMBER = re.compile(r"number|номер", re.IGNORECASE)
_PERSONAL = ("number", "numbers", "text")


def normalize_status(status, extend_status=None) -> str | None:
    try:
        mapped = STATUS_MAP.get(int(status))
    except (TypeError, ValueError):
        mapped = None
    if mapped is None and extend_status:
        mapped = EXTEND_STATUS_MAP.get(str(extend_status).strip().lower())
    return mapped


class SmsAeroProvider(SmsProvider):
    name = "smsaero"

    def __init__(self, config):
        super().__init__(config)
        email = t.require(config, "PHONECAPTURE_SMSAERO_EMAIL", self.name)
        api_key = t.require(config, "PHONECAPTURE_SMSAERO_API_KEY", self.name)
        self.sign = config.get("PHONECAPTURE_SMSAERO_SIGN") or DEFAULT_SIGN
        self.api_base = t.api_base(config, "PHONECAPTURE_SMSAERO_API_BASE", DEFAULT_API_BASE,
                                   self.name)
        self.timeout = t.timeout_from(config)
        self.session = t.new_session()
        self.session.auth = (email, api_key)

    def send(self, to_e164, body, *, idempotency_key, status_callback=None):
        payload = {"number": "".join(ch for ch in to_e164 if ch.isdigit()), "text": body,
                   "sign": self.sign}
        if status_callback:
            payload["callbackUrl"] = status_callback
        response = t.request(self.session, "POST", f"{self.api_base}/v2/sms/send", json=payload,
                             headers={"Idempotency-Key": idempotency_key},
                             provider=self.name, timeout=self.timeout)
        data = self._data(response, to_e164)
        if not isinstance(data, dict) or data.get("id") in (None, ""):
            raise RetryableError("smsaero: answer without a message id", reason="bad_answer",
                                 status_code=response.status_code)
        status = normalize_status(data.get("status"), data.get("extendStatus")) or "sent"
        if status == "failed":
            raise PermanentError(f"smsaero: message {data['id']} rejected for "
                                 f"{t.mask_e164(to_e164)}", reason="rejected",
                                 status_code=response.status_code)
        return SendResult(provider_id=str(data["id"]), status=status,
                          raw=t.without(data, *_PERSONAL))

    def lookup(self, provider_id):
        try:
            message_id = int(provider_id)
        except (TypeError, ValueError):
            return None
        response = t.request(self.session, "POST", f"{self.api_base}/v2/sms/status",
                             json={"id": message_id}, provider=self.name, timeout=self.timeout)
        if response.status_code == 404:
            return None
        data = self._data(response, None)
        if not isinstance(data, dict):
            return None
        return normalize_status(data.get("status"), data.get("extendStatus"))

    def _data(self, response, to_e164):
        status = response.status_code
        if status == 429 or status >= 500:
            raise t.server_error(self.name, response)
        answer = t.json_or_none(response)
        if not isinstance(answer, dict):
            raise RetryableError(f"smsaero: unexpected HTTP {status} answer", reason="bad_answer",
                                 status_code=status)
        if status == 200 and answer.get("success") is True:
            return answer.get("data")
        text = str(answer.get("message") or answer.get("reason") or answer.get("result") or "")
        who = f" for {t.mask_e164(to_e164)}" if to_e164 else ""
        message = f"smsaero: HTTP {status}{who}: {t.scrub(text)}"
        if status == 402 or answer.get("result") == "no credits" or _NO_MONEY.search(text):
            raise OutOfCreditError(message, reason="out_of_credit", status_code=status)
        if status in (401, 403):
            raise PermanentError(message, reason="auth", status_code=status)
        if _BAD_NUMBER.search(text):
            raise PermanentError(message, reason="invalid_number", status_code=status)
        raise PermanentError(message, reason="rejected", status_code=status)
