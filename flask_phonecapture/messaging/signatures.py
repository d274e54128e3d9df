"""Check that a provider callback is genuine, and read what it says. Pure functions.

Verification, one scheme per provider (all comparisons with :func:`hmac.compare_digest`):

* **twilio** - ``X-Twilio-Signature``: base64 HMAC-SHA1, keyed with the account Auth
  Token, over the full public URL Twilio called followed by every POST parameter name and
  value, sorted by name. The URL must be the *public* one (``PHONECAPTURE_PUBLIC_URL`` +
  path + query), not what the app sees behind a proxy. As in Twilio's own
  ``RequestValidator``, the URL is tried with and without the default port.
* **smsru** - the ``hash`` form field: hex SHA-256 of the ``api_id`` followed by every
  ``data[N]`` entry in order.
* **http** - ``X-PhoneCapture-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` over
  ``"<t>." + raw body``, keyed with ``PHONECAPTURE_HTTP_CALLBACK_SECRET``; rejected when
  ``t`` is more than five minutes away from now. Several ``v1=`` and several secrets are
  accepted, for rotation.
* **smsaero** - SMS Aero cannot sign, so the callback URL handed to it carries a token:
  ``pc_key`` (the message's idempotency key) and ``pc_sig`` (HMAC-SHA256 of the purpose and
  the key, keyed with ``PHONECAPTURE_SMSAERO_CALLBACK_SECRET``), made by
  :func:`sign_callback_url`. Forging needs the secret; a replay can only repeat a status
  the message already had.

Parsing: status callbacks become :class:`StatusUpdate` ``(provider_id, status,
error_reason)`` with ``status`` in ``sent | delivered | failed``; states that tell nothing
new are left out. Inbound messages become :class:`InboundMessage` ``(from_e164, text)``.
Bad payloads raise :class:`ValueError` whose text never contains a phone number.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any, Iterable, Mapping, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
SIGNATURE_HEADER = "X-PhoneCapture-Signature"
DEFAULT_TOLERANCE = 300  # seconds
URL_KEY_PARAM = "pc_key"
URL_SIG_PARAM = "pc_sig"

STATUSES = ("sent", "delivered", "failed")
INBOUND_PROVIDERS = frozenset({"twilio", "http"})


class StatusUpdate(NamedTuple):
    provider_id: str
    status: str                # "sent" | "delivered" | "failed"
    error_reason: str | None = None


class InboundMessage(NamedTuple):
    from_e164: str
    text: str


# ---------------------------------------------------------------------------- helpers

def _pairs(params: Any) -> list[tuple[str, str]]:
    """(name, value) pairs from a dict, a werkzeug MultiDict, or a list of pairs."""
    if params is None:
        return []
    if hasattr(params, "items") and hasattr(params, "getlist"):
        return [(str(k), str(v)) for k, v in params.items(multi=True)]
    if isinstance(params, Mapping):
        out = []
        for key, value in params.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            out.extend((str(key), str(v)) for v in values)
        return out
    return [(str(k), str(v)) for k, v in params]


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get(name)
    if value is None and isinstance(headers, Mapping):
        lowered = name.lower()
        for key, candidate in headers.items():
            if str(key).lower() == lowered:
                return candidate
    return value


def _secrets(secret: str | bytes | Iterable[str | bytes] | None) -> list[bytes]:
    if secret is None:
        return []
    if isinstance(secret, (str, bytes)):
        secret = [secret]
    return [s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in secret if s]


def _as_bytes(body: str | bytes | None) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _e164(value: Any) -> str:
    raw = str(value or "").strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    if not 8 <= len(digits) <= 15 or (raw and raw[0] not in "+0123456789"):
        raise ValueError("sender is not a phone number in international format")
    return "+" + digits


def public_url(public_base: str, path: str, query_string: str | bytes = "") -> str:
    """The URL the provider called, from ``PHONECAPTURE_PUBLIC_URL`` and the request."""
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    url = public_base.rstrip("/") + "/" + path.lstrip("/")
    return f"{url}?{query_string}" if query_string else url


# ----------------------------------------------------------------------------- Twilio

def twilio_signature(auth_token: str, url: str, params: Any = None) -> str:
    """The X-Twilio-Signature Twilio sends for a form POST of ``params`` to ``url``."""
    grouped: dict[str, set[str]] = {}
    for name, value in _pairs(params):
        grouped.setdefault(name, set()).add(value)
    payload = url + "".join(name + value for name in sorted(grouped)
                            for value in sorted(grouped[name]))
    mac = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def _port_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    if parts.username or parts.password:
        userinfo = parts.netloc.rsplit("@", 1)[0] + "@"
    else:
        userinfo = ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return [url]
    without = urlunsplit(parts._replace(netloc=userinfo + host))
    with_port = urlunsplit(parts._replace(netloc=f"{userinfo}{host}:{port or default}"))
    return [url] + [u for u in (without, with_port) if u != url]


def verify_twilio(auth_token: str | Iterable[str], url: str, params: Any,
                  signature: str | None, body: str | bytes | None = None) -> bool:
    """True when ``signature`` is Twilio's for this public URL and these POST parameters.

    For JSON webhooks (``?bodySHA256=`` in the URL) pass the raw ``body``; the hash of the
    body is checked and the parameters are not part of the signature.
    """
    if not signature:
        return False
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    if "bodySHA256" in query and body is not None:
        digest = hashlib.sha256(_as_bytes(body)).hexdigest()
        if not hmac.compare_digest(digest, query["bodySHA256"]):
            return False
        params = None
    given = signature.strip().encode("utf-8")
    tokens = [auth_token] if isinstance(auth_token, str) else list(auth_token)
    ok = False
    for token in filter(None, tokens):
        for candidate in _port_variants(url):
            expected = twilio_signature(token, candidate, params).encode("utf-8")
            ok |= hmac.compare_digest(expected, given)
    return ok


def parse_twilio_status(form: Any) -> list[StatusUpdate]:
    from .providers.twilio import normalize_status

    fields = dict(_pairs(form))
    sid = fields.get("MessageSid") or fields.get("SmsSid")
    if not sid:
        raise ValueError("twilio status callback without MessageSid")
    status = normalize_status(fields.get("MessageStatus") or fields.get("SmsStatus"))
    if status is None:
        return []
    code = fields.get("ErrorCode")
    reason = f"twilio_{code}" if code and status == "failed" else (
        "failed" if status == "failed" else None)
    return [StatusUpdate(sid, status, reason)]


def parse_twilio_inbound(form: Any) -> InboundMessage:
    fields = dict(_pairs(form))
    if "From" not in fields:
        raise ValueError("twilio inbound message without From")
    return InboundMessage(_e164(fields["From"]), fields.get("Body", ""))


# ----------------------------------------------------------------------------- SMS.ru

_DATA_KEY = re.compile(r"^data(?:\[(\d*)\])?$")


def smsru_data_entries(form: Any) -> list[str]:
    """The ``data[N]`` entries of an SMS.ru callback, in index order."""
    indexed: list[tuple[int, int, str]] = []
    for position, (name, value) in enumerate(_pairs(form)):
        match = _DATA_KEY.match(name)
        if match:
            index = int(match.group(1)) if match.group(1) else position
            indexed.append((index, position, value))
    return [value for _, _, value in sorted(indexed)]


def smsru_hash(api_id: str, entries: Iterable[str]) -> str:
    return hashlib.sha256((api_id + "".join(entries)).encode("utf-8")).hexdigest()


def verify_smsru(api_id: str, form: Any) -> bool:
    fields = _pairs(form)
    given = next((value for name, value in fields if name == "hash"), None)
    entries = smsru_data_entries(fields)
    if not api_id or not given or not entries:
        return False
    return hmac.compare_digest(smsru_hash(api_id, entries).encode(),
                               given.strip().lower().encode())


def parse_smsru_status(form: Any) -> list[StatusUpdate]:
    from .providers.smsru import FAILURE_REASONS, normalize_status

    out = []
    for entry in smsru_data_entries(form):
        lines = entry.replace("\r\n", "\n").split("\n")
        if lines[0].strip() != "sms_status" or len(lines) < 3:
            continue  # callcheck_status and future kinds are not ours
        sms_id, code = lines[1].strip(), lines[2].strip()
        status = normalize_status(code)
        if not sms_id or status is None:
            continue
        reason = None
        if status == "failed":
            reason = FAILURE_REASONS.get(int(code), f"smsru_{code}")
        out.append(StatusUpdate(sms_id, status, reason))
    return out


# ------------------------------------------------------ shared secret (http, signed body)

def sign_payload(secret: str | bytes, body: str | bytes, timestamp: int | None = None) -> str:
    """The ``X-PhoneCapture-Signature`` value for ``body`` (for gateways and tests)."""
    ts = int(time.time() if timestamp is None else timestamp)
    key = _secrets(secret)[0]
    mac = hmac.new(key, f"{ts}.".encode() + _as_bytes(body), hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify_payload(secret: str | bytes | Iterable[str | bytes], body: str | bytes,
                   header: str | None, *, now: float | None = None,
                   tolerance: int = DEFAULT_TOLERANCE) -> bool:
    """True for a fresh, correctly signed ``X-PhoneCapture-Signature``."""
    if not header:
        return False
    ts, given = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            ts = int(value)
        elif name == "v1" and value:
            given.append(value.strip().lower().encode())
    if ts is None or not given:
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    signed = f"{ts}.".encode() + _as_bytes(body)
    ok = False
    for key in _secrets(secret):
        expected = hmac.new(key, signed, hashlib.sha256).hexdigest().encode()
        for candidate in given:
            ok |= hmac.compare_digest(expected, candidate)
    return ok


def _http_items(payload: Any) -> list[Mapping[str, Any]]:
    if isinstance(payload, (str, bytes)):
        try:
            payload = json.loads(payload)
        except ValueError:
            raise ValueError("callback body is not JSON") from None
    if isinstance(payload, Mapping) and isinstance(payload.get("messages"), list):
        payload = payload["messages"]
    items = payload if isinstance(payload, list) else [payload]
    if not all(isinstance(item, Mapping) for item in items):
        raise ValueError("callback body is not a JSON object or list of objects")
    return items


def parse_http_status(payload: Any) -> list[StatusUpdate]:
    """``{"id", "status", "error"?}``, a list of them, or ``{"messages": [...]}``."""
    from .providers.http import normalize_status

    out = []
    for item in _http_items(payload):
        provider_id, status = item.get("id"), normalize_status(item.get("status"))
        if provider_id in (None, "") or status is None:
            continue
        error = item.get("error")
        reason = (str(error)[:64] if error else "failed") if status == "failed" else None
        out.append(StatusUpdate(str(provider_id), status, reason))
    return out


def parse_http_inbound(payload: Any) -> InboundMessage:
    """``{"from": "+79...", "text": "STOP"}``."""
    item = _http_items(payload)[0]
    if "from" not in item:
        raise ValueError("inbound message without 'from'")
    return InboundMessage(_e164(item["from"]), str(item.get("text") or ""))


# ------------------------------------------------- URL token (SMS Aero cannot sign)

def _url_mac(key: bytes, purpose: str, message_key: str) -> str:
    return hmac.new(key, f"{purpose}:{message_key}".encode("utf-8"), hashlib.sha256).hexdigest()


def sign_callback_url(url: str, secret: str | bytes, message_key: str,
                      purpose: str = "status") -> str:
    """``url`` with ``pc_key``/``pc_sig`` added, for providers that cannot sign callbacks."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in (URL_KEY_PARAM, URL_SIG_PARAM)]
    query += [(URL_KEY_PARAM, message_key),
              (URL_SIG_PARAM, _url_mac(_secrets(secret)[0], purpose, message_key))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def verify_callback_url(args: Any, secret: str | bytes | Iterable[str | bytes],
                        purpose: str = "status") -> str | None:
    """The message key when the URL token in ``args`` (or a full URL) is genuine, else None."""
    if isinstance(args, str):
        args = parse_qsl(urlsplit(args).query, keep_blank_values=True)
    fields = dict(_pairs(args))
    message_key, given = fields.get(URL_KEY_PARAM), fields.get(URL_SIG_PARAM)
    if not message_key or not given:
        return None
    ok = False
    for key in _secrets(secret):
        ok |= hmac.compare_digest(_url_mac(key, purpose, message_key).encode(),
                                  given.strip().lower().encode())
    return message_key if ok else None


def parse_smsaero_status(payload: Any) -> list[StatusUpdate]:
    """SMS Aero posts the message object (``id``, ``status``, ``extendStatus``), as JSON or a form."""
    from .providers.smsaero import normalize_status

    if isinstance(payload, (str, bytes)):
        try:
            payload = json.loads(payload)
        except ValueError:
            payload = parse_qsl(_as_bytes(payload).decode("utf-8", "replace"))
    if isinstance(payload, Mapping) and isinstance(payload.get("data"), Mapping):
        payload = payload["data"]
    fields = dict(_pairs(payload)) if not isinstance(payload, Mapping) else {
        str(k): v for k, v in payload.items()}
    provider_id = fields.get("id")
    status = normalize_status(fields.get("status"), fields.get("extendStatus"))
    if provider_id in (None, "") or status is None:
        return []
    reason = str(fields.get("extendStatus") or "failed")[:64] if status == "failed" else None
    return [StatusUpdate(str(provider_id), status, reason)]


# ---------------------------------------------------------------------------- dispatch

def verify_callback(provider: str, config: Mapping[str, Any], *, url: str, headers: Any = None,
                    form: Any = None, body: str | bytes | None = None, purpose: str = "status",
                    now: float | None = None) -> bool:
    """Verify a callback for ``provider``. ``url`` is the *public* URL that was called.

    Raises RuntimeError when the key the scheme needs is not configured.
    """
    if provider == "twilio":
        token = _config(config, "PHONECAPTURE_TWILIO_AUTH_TOKEN")
        return verify_twilio(token, url, form, _header(headers, TWILIO_SIGNATURE_HEADER), body)
    if provider == "smsru":
        return verify_smsru(_config(config, "PHONECAPTURE_SMSRU_API_ID"), form)
    if provider == "smsaero":
        secret = _config(config, "PHONECAPTURE_SMSAERO_CALLBACK_SECRET")
        return verify_callback_url(url, secret, purpose) is not None
    if provider == "http":
        secret = _config(config, "PHONECAPTURE_HTTP_CALLBACK_SECRET")
        return verify_payload(secret, body or b"", _header(headers, SIGNATURE_HEADER), now=now)
    return False


def parse_status_callback(provider: str, *, form: Any = None,
                          body: str | bytes | None = None) -> list[StatusUpdate]:
    if provider == "twilio":
        return parse_twilio_status(form)
    if provider == "smsru":
        return parse_smsru_status(form)
    if provider == "smsaero":
        return parse_smsaero_status(body if body else form)
    if provider == "http":
        return parse_http_status(body)
    raise LookupError(f"provider {provider!r} sends no status callbacks")


def parse_inbound_callback(provider: str, *, form: Any = None,
                           body: str | bytes | None = None) -> InboundMessage:
    if provider == "twilio":
        return parse_twilio_inbound(form)
    if provider == "http":
        return parse_http_inbound(body)
    raise LookupError(f"provider {provider!r} does not deliver inbound messages")


def _config(config: Mapping[str, Any], key: str):
    value = config.get(key)
    if not value:
        raise RuntimeError(f"{key} must be set to verify provider callbacks")
    return value
