"""Every ``PHONECAPTURE_*`` setting, spelled once, with its default.

``init_app`` copies these defaults into ``app.config`` with ``setdefault`` and
then refuses unknown ``PHONECAPTURE_*`` keys, so a typo fails at start-up
instead of being silently ignored. The README config table is generated from
the ``#:`` comments here (``python -m flask_phonecapture.config``).
"""
from __future__ import annotations

import difflib
from typing import Any, Mapping

PREFIX = "PHONECAPTURE_"

DEFAULTS: dict[str, Any] = {
    #: "development" or "production". Production refuses to start without real keys,
    #: a Redis URL and HTTPS-only cookies.
    "PHONECAPTURE_ENV": "development",
    #: URL prefix of the extension's blueprint (API, widget, no-JS pages).
    "PHONECAPTURE_URL_PREFIX": "/phonecapture",
    #: Forms: a dict {form_id: config}, or a path to a JSON file holding that dict.
    "PHONECAPTURE_FORMS": {},
    #: Encryption keyring "kid:base64key,kid2:base64key" (32-byte keys); the first encrypts,
    #: all decrypt. Unset: a key file is generated in the instance folder (demo only).
    "PHONECAPTURE_KEYS": None,
    #: Blind-index / code-HMAC root key (base64, 32 bytes), separate from the encryption keys.
    "PHONECAPTURE_INDEX_KEY": None,
    #: Where the generated demo keys live when the two keys above are unset.
    "PHONECAPTURE_KEY_FILE": "phonecapture-keys.json",
    #: Bits kept of the blind index HMAC; fewer bits = more candidates per lookup, less linkage.
    "PHONECAPTURE_BLIND_INDEX_BITS": 32,
    #: Redis URL for the RQ queue and rate limits. Unset: jobs run in-process.
    "PHONECAPTURE_REDIS_URL": None,
    #: RQ queue name (tests use a unique one).
    "PHONECAPTURE_QUEUE_NAME": "phonecapture",
    #: SMS provider: console (prints), or one added by the messaging package, or "module:Class".
    "PHONECAPTURE_SMS_PROVIDER": "console",
    #: Brand name used in SMS texts.
    "PHONECAPTURE_BRAND": "",
    #: Verification code lifetime, seconds.
    "PHONECAPTURE_CODE_TTL": 600,
    #: Wrong-code checks allowed before the code is locked.
    "PHONECAPTURE_CODE_MAX_ATTEMPTS": 5,
    #: Seconds between two code sends for one submission.
    "PHONECAPTURE_RESEND_COOLDOWN": 60,
    #: Code sends allowed per number per hour.
    "PHONECAPTURE_MAX_SENDS_PER_HOUR": 5,
    #: Per-IP limit for new submissions (flask-limiter syntax).
    "PHONECAPTURE_RATELIMIT_SUBMIT": "10/minute;60/hour",
    #: Per-IP limit for code checks and resends.
    "PHONECAPTURE_RATELIMIT_VERIFY": "30/minute",
    #: Submissions faster than this (ms since the form was shown) are treated as bots.
    "PHONECAPTURE_MIN_FILL_MS": 1500,
    #: Lifetime of the signed submit token handed out with a form's config, seconds.
    "PHONECAPTURE_TOKEN_MAX_AGE": 86400,
    #: Largest accepted request body, bytes.
    "PHONECAPTURE_MAX_BODY": 16 * 1024,
    #: Origins allowed to call the API from the browser (CORS); "*" allows any.
    "PHONECAPTURE_ALLOWED_ORIGINS": [],
    #: Trust X-Forwarded-For for the client IP (set behind a proxy you control).
    "PHONECAPTURE_TRUST_PROXY": False,
}


class ConfigError(RuntimeError):
    """A PHONECAPTURE_* setting is unknown or invalid."""


def apply_defaults(config: dict) -> None:
    for key, value in DEFAULTS.items():
        config.setdefault(key, value.copy() if isinstance(value, (dict, list)) else value)


def check_known(config: Mapping[str, Any], extra_known: set[str] = frozenset()) -> None:
    """Fail on any PHONECAPTURE_* key we don't know, suggesting the closest real one."""
    known = set(DEFAULTS) | set(extra_known)
    for key in config:
        if key.startswith(PREFIX) and key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ConfigError(f"unknown setting {key}{hint}")


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """What a production deployment is missing; empty when it may start."""
    problems = []
    if not config.get("PHONECAPTURE_KEYS"):
        problems.append("PHONECAPTURE_KEYS is not set (generated demo keys are not for production)")
    if not config.get("PHONECAPTURE_INDEX_KEY"):
        problems.append("PHONECAPTURE_INDEX_KEY is not set")
    if not config.get("PHONECAPTURE_REDIS_URL"):
        problems.append("PHONECAPTURE_REDIS_URL is not set (the in-process queue is for the demo)")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE must be True (HTTPS-only cookies)")
    if config.get("PHONECAPTURE_SMS_PROVIDER") == "console":
        problems.append("PHONECAPTURE_SMS_PROVIDER is 'console' (SMS would only be printed)")
    return problems


def doc_table() -> str:
    """Markdown table of every key, its default and its #: comment (for the README)."""
    import inspect
    import re

    source = inspect.getsource(__import__(__name__, fromlist=["x"]))
    docs: dict[str, str] = {}
    pending: list[str] = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = re.match(r'"(PHONECAPTURE_\w+)":', stripped)
        if match and pending:
            docs[match.group(1)] = " ".join(pending)
        if not stripped.startswith("#"):
            pending = []
    rows = ["| key | default | what |", "|---|---|---|"]
    for key, value in DEFAULTS.items():
        rows.append(f"| `{key}` | `{value!r}` | {docs.get(key, '')} |")
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover
    print(doc_table())
