"""SMS.ru HTTP API (``/sms/send``, ``/sms/status`` with ``json=1``), spoken with ``requests``.

Config keys: ``PHONECAPTURE_SMSRU_API_ID`` (required; also keys the callback hash),
``PHONECAPTURE_SMSRU_FROM`` (approved sender name, optional), ``PHONECAPTURE_SMSRU_TEST``
(truthy: SMS.ru validates but does not send), ``PHONECAPTURE_SMSRU_API_BASE``
(default ``https://sms.ru``), ``PHONECAPTURE_SMS_TIMEOUT``.

SMS.ru answers HTTP 200 with ``{"status": "OK"|"ERROR", "status_code": N, ...}`` and a
per-recipient ``sms`` object keyed by the number; the per-recipient code decides.
Delivery receipts are set up once in the SMS.ru cabinet (or ``/callback/add``), not per
message, so ``status_callback`` is not sent with each message.
"""
from __future__ import annotations

from . import _transport as t
from .base import OutOfCreditError, PermanentError, RetryableError, SendResult, SmsProvider

DEFAULT_API_BASE = "https://sms.ru"

OUT_OF_CREDIT_CODES = frozenset({201})
AUTH_CODES = frozenset({200, 300, 301, 302})
INVALID_NUMBER_CODES = frozenset({202, 207, 214})
OPTED_OUT_CODES = frozenset({209, 215})
#: temporary: service down, server error; and limits that lift by themselves
RETRYABLE_CODES = {220: 60.0, 500: None, 231: 60.0, 206: 3600.0, 230: 3600.0}
# every other code (203 no text, 204 sender not approved, 205 too long, 208, 210-213,
# 232 same text daily limit, 233 SMS.ru anti-fraud) is a permanent rejection

#: status codes of /sms/status and the delivery callback -> normalized status
STATUS_MAP = {
    100: "sent", 101: "sent", 102: "sent",
    103: "delivered", 110: "delivered",
    104: "failed", 105: "failed", 106: "failed", 107: "failed", 108: "failed", 150: "failed",
}
FAILURE_REASONS = {104: "expired", 105: "deleted_by_operator", 106: "handset_error",
                   107: "unknown_error", 108: "rejected", 150: "no_route"}


def normalize_status(code) -> str | None:
    try:
        return STATUS_MAP.get(int(code))
    except (TypeError, ValueError):
        return None


class SmsRuProvider(SmsProvider):
    name = "smsru"
    per_message_callback = False  # one callback URL, set in the SMS.ru cabinet

    def __init__(self, config):
        super().__init__(config)
        self._api_id = t.require(config, "PHONECAPTURE_SMSRU_API_ID", self.name)
        self.from_ = config.get("PHONECAPTURE_SMSRU_FROM") or None
        self.test = bool(config.get("PHONECAPTURE_SMSRU_TEST"))
        self.api_base = t.api_base(config, "PHONECAPTURE_SMSRU_API_BASE", DEFAULT_API_BASE,
                                   self.name)
        self.timeout = t.timeout_from(config)
        self.session = t.new_session()

    def send(self, to_e164, body, *, idempotency_key, status_callback=None):
        to = "".join(ch for ch in to_e164 if ch.isdigit())
        form = {"api_id": self._api_id, "to": to, "msg": body, "json": "1"}
        if self.from_:
            form["from"] = self.from_
        if self.test:
            form["test"] = "1"
        response = t.request(self.session, "POST", f"{self.api_base}/sms/send", data=form,
                             headers={"Idempotency-Key": idempotency_key},
                             provider=self.name, timeout=self.timeout)
        data = self._answer(response)
        entry = _entry(data.get("sms"), to)
        top = _int(data.get("status_code"))
        if data.get("status") != "OK" or top != 100:
            raise self._error(top, to_e164, response.status_code)
        if not entry:
            raise RetryableError("smsru: answer without the message entry",
                                 reason="bad_answer", status_code=response.status_code)
        code = _int(entry.get("status_code"))
        if entry.get("status") != "OK" or code != 100 or not entry.get("sms_id"):
            raise self._error(code, to_e164, response.status_code)
        raw = {"status": data.get("status"), "status_code": top, "sms_id": entry["sms_id"]}
        if "balance" in data:
            raw["balance"] = data["balance"]
        return SendResult(provider_id=str(entry["sms_id"]), status="sent", raw=raw)

    def lookup(self, provider_id):
        form = {"api_id": self._api_id, "sms_id": provider_id, "json": "1"}
        response = t.request(self.session, "POST", f"{self.api_base}/sms/status", data=form,
                             provider=self.name, timeout=self.timeout)
        data = self._answer(response)
        if data.get("status") != "OK":
            raise self._error(_int(data.get("status_code")), None, response.status_code)
        entry = (data.get("sms") or {}).get(provider_id)
        if not isinstance(entry, dict) or entry.get("status") != "OK":
            return None  # -1: SMS.ru does not know this message
        return normalize_status(entry.get("status_code"))

    def _answer(self, response) -> dict:
        if response.status_code == 429 or response.status_code >= 500:
            raise t.server_error(self.name, response)
        data = t.json_or_none(response)
        if response.status_code != 200 or not isinstance(data, dict):
            raise RetryableError(f"smsru: unexpected HTTP {response.status_code} answer",
                                 reason="bad_answer", status_code=response.status_code)
        return data

    def _error(self, code, to_e164, http_status):
        who = f" for {t.mask_e164(to_e164)}" if to_e164 else ""
        message = f"smsru: status_code {code}{who}"
        if code in OUT_OF_CREDIT_CODES:
            return OutOfCreditError(message, reason="out_of_credit", status_code=http_status)
        if code in RETRYABLE_CODES:
            return RetryableError(message, reason="rate_limited" if code in (206, 230, 231)
                                  else "server_error", status_code=http_status,
                                  retry_after=RETRYABLE_CODES[code])
        if code in OPTED_OUT_CODES:
            return PermanentError(message, reason="opted_out", status_code=http_status)
        if code in INVALID_NUMBER_CODES:
            return PermanentError(message, reason="invalid_number", status_code=http_status)
        if code in AUTH_CODES:
            return PermanentError(message, reason="auth", status_code=http_status)
        return PermanentError(message, reason=f"smsru_{code}" if code else "rejected",
                              status_code=http_status)


def _entry(sms, to_digits):
    if not isinstance(sms, dict) or not sms:
        return None
    entry = sms.get(to_digits)
    if entry is None and len(sms) == 1:
        entry = next(iter(sms.values()))
    return entry if isinstance(entry, dict) else None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
