"""Shared plumbing for the HTTP providers: config reading, one ``requests`` call, error sorting.

Every provider module talks to its API through :func:`request`, which turns transport
failures into :class:`RetryableError` with a reason that tells the job whether the
provider may have received the request:

* ``connect_error`` / ``connect_timeout``: the request never reached the provider,
  so resending cannot produce a duplicate;
* ``read_timeout`` / ``connection_lost`` / ``gateway_timeout`` (HTTP 502/504) /
  ``bad_answer``: the request was sent and no usable answer came back; the provider *may*
  have accepted the message (see ``docs/messaging.md``).

Nothing here logs or formats the recipient number; :func:`mask_e164` is the only way a
number appears in human text.
"""
from __future__ import annotations

import email.utils
import re
import time
from typing import Any, Mapping

import requests

from .base import RetryableError

#: seconds; overridden by ``PHONECAPTURE_SMS_TIMEOUT``
DEFAULT_TIMEOUT = 10.0
#: the connect phase never waits longer than this, whatever the total timeout
MAX_CONNECT_TIMEOUT = 5.0

#: reasons of RetryableError after which the provider may already hold the message
AMBIGUOUS_REASONS = frozenset({"read_timeout", "connection_lost", "gateway_timeout", "bad_answer"})

try:  # the lead's helper, once it exists
    from ...phone import mask_e164  # noqa: F401 - re-exported for the provider modules
except ImportError:  # pragma: no cover - until flask_phonecapture.phone lands
    def mask_e164(e164: str) -> str:
        """``+79123456789`` -> ``+7 *** ***-**-89``: country code and the last two digits."""
        digits = "".join(ch for ch in str(e164) if ch.isdigit())
        if len(digits) < 6:
            return "***"
        try:
            import phonenumbers
            cc = str(phonenumbers.parse("+" + digits).country_code)
        except Exception:  # noqa: BLE001 - a mask must never fail
            cc = "?"
        return f"+{cc} *** ***-**-{digits[-2:]}"

def require(config: Mapping[str, Any], key: str, provider: str) -> str:
    """The value of a required config key, or a RuntimeError naming it."""
    value = config.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RuntimeError(f"PHONECAPTURE_SMS_PROVIDER={provider!r} needs {key} to be set")
    return str(value)


def api_base(config: Mapping[str, Any], key: str, default: str | None, provider: str) -> str:
    base = config.get(key) or default
    if not base:
        raise RuntimeError(f"PHONECAPTURE_SMS_PROVIDER={provider!r} needs {key} to be set")
    return str(base).rstrip("/")


def timeout_from(config: Mapping[str, Any]) -> tuple[float, float]:
    """(connect, read) timeouts for ``requests`` from ``PHONECAPTURE_SMS_TIMEOUT``."""
    raw = config.get("PHONECAPTURE_SMS_TIMEOUT", DEFAULT_TIMEOUT)
    try:
        total = float(raw)
    except (TypeError, ValueError):
        raise RuntimeError(f"PHONECAPTURE_SMS_TIMEOUT must be a number of seconds, not {raw!r}")
    if total <= 0:
        raise RuntimeError("PHONECAPTURE_SMS_TIMEOUT must be positive")
    return (min(total, MAX_CONNECT_TIMEOUT), total)


def new_session(user_agent: str = "flask-phonecapture") -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json"
    return session


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date. None when absent or junk."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def request(session: requests.Session, method: str, url: str, *, provider: str,
            timeout: tuple[float, float], **kwargs: Any) -> requests.Response:
    """One HTTP call; transport failures become RetryableError, answers are returned as is."""
    try:
        return session.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.exceptions.ConnectTimeout as exc:
        raise RetryableError(f"{provider}: connect timeout", reason="connect_timeout") from exc
    except requests.exceptions.ReadTimeout as exc:
        raise RetryableError(f"{provider}: no answer within {timeout[1]:g}s",
                             reason="read_timeout") from exc
    except requests.exceptions.ConnectionError as exc:
        # a refused/unresolvable connection never carried the request; a reset one may have
        reason = "connection_lost" if _was_sent(exc) else "connect_error"
        raise RetryableError(f"{provider}: connection failed", reason=reason) from exc
    except requests.exceptions.RequestException as exc:
        raise RetryableError(f"{provider}: request failed ({type(exc).__name__})",
                             reason="connect_error") from exc


def _was_sent(exc: requests.exceptions.ConnectionError) -> bool:
    text = repr(exc.args[0]) if exc.args else ""
    return any(marker in text for marker in ("RemoteDisconnected", "ProtocolError",
                                             "ConnectionResetError", "BrokenPipe"))


def json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def server_error(provider: str, response: requests.Response) -> RetryableError:
    """5xx and 429 share this: retry, honouring Retry-After."""
    if response.status_code == 429:
        reason = "rate_limited"
    elif response.status_code in (502, 504):
        reason = "gateway_timeout"  # a proxy gave up: the provider may have the message
    else:
        reason = "server_error"
    return RetryableError(f"{provider}: HTTP {response.status_code}", reason=reason,
                          status_code=response.status_code,
                          retry_after=retry_after_seconds(response.headers.get("Retry-After")))


_DIGIT_RUN = re.compile(r"\+?\d[\d\s().-]{4,}\d")


def scrub(text: str, limit: int = 120) -> str:
    """Provider-supplied text for an error message: digit runs (numbers) masked, length capped."""
    return _DIGIT_RUN.sub("***", str(text))[:limit]


def without(mapping: Mapping[str, Any] | None, *keys: str) -> dict[str, Any]:
    """A copy of a provider answer with the personal fields left out (for SendResult.raw)."""
    if not isinstance(mapping, Mapping):
        return {}
    drop = {k.lower() for k in keys}
    return {k: v for k, v in mapping.items() if str(k).lower() not in drop}
