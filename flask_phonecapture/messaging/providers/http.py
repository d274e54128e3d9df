"""A generic JSON webhook provider for in-house gateways and SMS APIs without a module here.

Config keys:

``PHONECAPTURE_HTTP_API_BASE`` (required, e.g. ``https://sms-gw.internal``);
``PHONECAPTURE_HTTP_SEND_PATH`` (default ``/messages``);
``PHONECAPTURE_HTTP_STATUS_PATH`` (optional, e.g. ``/messages/{id}``; enables :meth:`lookup`);
``PHONECAPTURE_HTTP_AUTH_HEADER`` (default ``Authorization``) and
``PHONECAPTURE_HTTP_AUTH_VALUE`` (e.g. ``Bearer s3cret``; no header when unset);
``PHONECAPTURE_HTTP_BODY_TEMPLATE`` (a dict, or a JSON object as text; default below);
``PHONECAPTURE_HTTP_ID_FIELD`` / ``PHONECAPTURE_HTTP_STATUS_FIELD`` (dotted paths into the
answer, default ``id`` / ``status``); ``PHONECAPTURE_SMS_TIMEOUT``.

The body template is parsed as JSON once, at start-up, and the placeholders
``{to}``, ``{to_digits}``, ``{body}``, ``{idempotency_key}``, ``{status_callback}`` are
replaced inside its string values only, in one pass, after parsing. The values never pass
through ``str.format`` or JSON text, so a message body containing ``{to}``, quotes or
braces cannot change the request's shape. A string that is exactly one placeholder takes
the value as is (``"{status_callback}"`` becomes ``null`` without a callback).

Answers: 2xx with the id field -> sent; 402 (or ``{"error": "out_of_credit"}``) ->
:class:`OutOfCreditError`; 429/5xx/timeouts -> :class:`RetryableError`; other 4xx ->
:class:`PermanentError` with the answer's ``error`` code as the reason.
A well-behaved gateway de-duplicates on ``idempotency_key``.
"""
from __future__ import annotations

import json
import re
from typing import Any, Mapping
from urllib.parse import quote

from . import _transport as t
from .base import OutOfCreditError, PermanentError, RetryableError, SendResult, SmsProvider

DEFAULT_BODY_TEMPLATE = {"to": "{to}", "text": "{body}", "id": "{idempotency_key}",
                         "callback_url": "{status_callback}"}
PLACEHOLDERS = ("to", "to_digits", "body", "idempotency_key", "status_callback")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_REASON = re.compile(r"[^a-z0-9_]+")

STATUS_MAP = {"accepted": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
              "enroute": "sent", "submitted": "sent",
              "delivered": "delivered", "read": "delivered",
              "failed": "failed", "undelivered": "failed", "rejected": "failed",
              "expired": "failed", "canceled": "failed", "cancelled": "failed"}
OUT_OF_CREDIT_ERRORS = frozenset({"out_of_credit", "insufficient_funds", "no_credit",
                                  "no_credits", "low_balance"})


def normalize_status(value: Any) -> str | None:
    return STATUS_MAP.get(str(value or "").strip().lower())


def parse_template(template: Any) -> Any:
    """The body template as a JSON value, checked; RuntimeError tells what is wrong."""
    if isinstance(template, (str, bytes)):
        try:
            template = json.loads(template)
        except ValueError as exc:
            raise RuntimeError(f"PHONECAPTURE_HTTP_BODY_TEMPLATE is not valid JSON: {exc}")
    if not isinstance(template, Mapping):
        raise RuntimeError("PHONECAPTURE_HTTP_BODY_TEMPLATE must be a JSON object")
    seen: set[str] = set()
    _walk_strings(template, lambda s: seen.update(_PLACEHOLDER.findall(s)))
    unknown = sorted(seen - set(PLACEHOLDERS))
    if unknown:
        raise RuntimeError(f"PHONECAPTURE_HTTP_BODY_TEMPLATE uses unknown placeholders {unknown}; "
                           f"known: {list(PLACEHOLDERS)}")
    if "body" not in seen or not seen & {"to", "to_digits"}:
        raise RuntimeError("PHONECAPTURE_HTTP_BODY_TEMPLATE must use {body} and {to} "
                           "(or {to_digits})")
    return json.loads(json.dumps(template))  # a private deep copy


def render(template: Any, values: Mapping[str, Any]) -> Any:
    """Replace placeholders inside the template's string values (never in keys)."""
    if isinstance(template, Mapping):
        return {key: render(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [render(item, values) for item in template]
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name not in values:
                return match.group(0)
            return "" if values[name] is None else str(values[name])
        return _PLACEHOLDER.sub(substitute, template)
    return template


def _walk_strings(node, visit):
    if isinstance(node, Mapping):
        for value in node.values():
            _walk_strings(value, visit)
    elif isinstance(node, list):
        for item in node:
            _walk_strings(item, visit)
    elif isinstance(node, str):
        visit(node)


def dig(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


class HttpProvider(SmsProvider):
    name = "http"

    def __init__(self, config):
        super().__init__(config)
        self.api_base = t.api_base(config, "PHONECAPTURE_HTTP_API_BASE", None, self.name)
        self.send_path = config.get("PHONECAPTURE_HTTP_SEND_PATH") or "/messages"
        self.status_path = config.get("PHONECAPTURE_HTTP_STATUS_PATH") or None
        self.template = parse_template(config.get("PHONECAPTURE_HTTP_BODY_TEMPLATE")
                                       or DEFAULT_BODY_TEMPLATE)
        seen: set[str] = set()
        _walk_strings(self.template, lambda s: seen.update(_PLACEHOLDER.findall(s)))
        # the gateway gets our key, and (by contract) de-duplicates on it
        self.idempotent = "idempotency_key" in seen
        self.id_field = config.get("PHONECAPTURE_HTTP_ID_FIELD") or "id"
        self.status_field = config.get("PHONECAPTURE_HTTP_STATUS_FIELD") or "status"
        self.timeout = t.timeout_from(config)
        self.session = t.new_session()
        auth_value = config.get("PHONECAPTURE_HTTP_AUTH_VALUE")
        if auth_value:
            header = config.get("PHONECAPTURE_HTTP_AUTH_HEADER") or "Authorization"
            self.session.headers[header] = str(auth_value)

    def send(self, to_e164, body, *, idempotency_key, status_callback=None):
        payload = render(self.template, {
            "to": to_e164, "to_digits": "".join(ch for ch in to_e164 if ch.isdigit()),
            "body": body, "idempotency_key": idempotency_key, "status_callback": status_callback,
        })
        response = t.request(self.session, "POST", self.api_base + self.send_path, json=payload,
                             headers={"Idempotency-Key": idempotency_key},
                             provider=self.name, timeout=self.timeout)
        data = t.json_or_none(response)
        if 200 <= response.status_code < 300:
            provider_id = dig(data, self.id_field)
            if provider_id in (None, ""):
                raise RetryableError(f"http: answer without {self.id_field!r}",
                                     reason="bad_answer", status_code=response.status_code)
            status = normalize_status(dig(data, self.status_field)) or "sent"
            if status == "failed":
                raise PermanentError(f"http: message {provider_id} failed for "
                                     f"{t.mask_e164(to_e164)}", reason="rejected",
                                     status_code=response.status_code)
            return SendResult(provider_id=str(provider_id), status=status,
                              raw={"id": provider_id, "status": dig(data, self.status_field)})
        raise self._error(response, data, to_e164)

    def lookup(self, provider_id):
        if not self.status_path:
            return None
        path = self.status_path.replace("{id}", quote(str(provider_id), safe=""))
        response = t.request(self.session, "GET", self.api_base + path, provider=self.name,
                             timeout=self.timeout)
        if response.status_code == 404:
            return None
        data = t.json_or_none(response)
        if 200 <= response.status_code < 300:
            return normalize_status(dig(data, self.status_field))
        raise self._error(response, data, None)

    def _error(self, response, data, to_e164):
        status = response.status_code
        if status == 429 or status >= 500:
            return t.server_error(self.name, response)
        code = dig(data, "error") if isinstance(data, Mapping) else None
        if isinstance(code, Mapping):
            code = code.get("code")
        reason = _REASON.sub("_", str(code).lower()).strip("_")[:40] if code else ""
        who = f" for {t.mask_e164(to_e164)}" if to_e164 else ""
        message = f"http: HTTP {status}{who}" + (f": {t.scrub(reason)}" if reason else "")
        if status == 402 or reason in OUT_OF_CREDIT_ERRORS:
            return OutOfCreditError(message, reason="out_of_credit", status_code=status)
        if status in (401, 403):
            reason = "auth"
        return PermanentError(message, reason=reason or "rejected", status_code=status)
