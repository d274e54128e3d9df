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
    #: a Redis URL, HTTPS-only cookies (SESSION_COOKIE_SECURE) and an SMS provider other than console.
    "PHONECAPTURE_ENV": "development",
    #: URL prefix of the extension's blueprint (API, widget, no-JS pages).
    "PHONECAPTURE_URL_PREFIX": "/phonecapture",
    #: Forms: a dict {form_id: config}, or a path to a JSON file holding that dict.
    "PHONECAPTURE_FORMS": {},
    #: Seconds a process keeps the forms marketers edit in the admin (/phonecapture/admin/forms)
    #: before it looks for a newer saved version (one small query); 0 looks on every request.
    "PHONECAPTURE_FORMS_CACHE_S": 5,
    #: Encryption keyring "kid:base64key,kid2:base64key" (32-byte keys); the first encrypts,
    #: all decrypt; `flask phonecapture keys rotate` moves stored values to the first (see
    #: "Rotating encryption keys"). Unset: a key file is generated in the instance folder (demo only).
    "PHONECAPTURE_KEYS": None,
    #: Blind-index / code-HMAC root key (base64, 32 bytes), separate from the encryption keys.
    #: To replace it, move it to PHONECAPTURE_OLD_INDEX_KEYS (see "Replacing the index key").
    "PHONECAPTURE_INDEX_KEY": None,
    #: Retired index keys ("base64,base64", newest first): they still find numbers indexed, and
    #: check codes, submit tokens and unsubscribe links signed, before the switch;
    #: `flask phonecapture keys rotate-index` re-indexes what can be recomputed.
    "PHONECAPTURE_OLD_INDEX_KEYS": None,
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
    #: The erasure page (/privacy/erase) answers a number no sooner than this many ms after it was
    #: posted, held or not, so that queueing the code SMS for a number we hold does not show in the
    #: response time (it tells who is a customer); 0 turns it off.
    "PHONECAPTURE_ERASE_ANSWER_MS": 250,
    #: Wrong-code checks allowed before the code is locked.
    "PHONECAPTURE_CODE_MAX_ATTEMPTS": 5,
    #: Seconds between two code sends for one submission.
    "PHONECAPTURE_RESEND_COOLDOWN": 60,
    #: Code sends allowed per number per hour.
    "PHONECAPTURE_MAX_SENDS_PER_HOUR": 5,
    #: Per-IP limit for new submissions, API and no-JS page together (flask-limiter syntax).
    "PHONECAPTURE_RATELIMIT_SUBMIT": "10/minute;60/hour",
    #: Per-IP limit for code checks and resends, one budget for both (API and no-JS pages).
    "PHONECAPTURE_RATELIMIT_VERIFY": "30/minute",
    #: Full numbers one staff member may show on the Leads page (`/admin/leads`), counted per
    #: actor (`@phonecapture.actor_loader`'s answer, else the IP); only numbers shown count.
    "PHONECAPTURE_RATELIMIT_REVEAL": "30/hour",
    #: The Leads page shows a full number only once its owner has confirmed it with the SMS code
    #: (anyone can type a stranger's number into a callback form); True shows unconfirmed ones too.
    "PHONECAPTURE_LEADS_REVEAL_UNCONFIRMED": False,
    #: Submissions faster than this (ms since the form was shown) are treated as bots.
    "PHONECAPTURE_MIN_FILL_MS": 1500,
    #: Lifetime of the signed submit token handed out with a form's config, seconds.
    "PHONECAPTURE_TOKEN_MAX_AGE": 86400,
    #: Largest accepted request body, bytes.
    "PHONECAPTURE_MAX_BODY": 16 * 1024,
    #: Origins allowed to call the API from the browser (CORS): a list, or one comma-separated
    #: string; "*" allows any. The site's own pages are always allowed: the browser says so
    #: (`Sec-Fetch-Site: same-origin`), or the `Origin` is an http(s) page on the request's own
    #: host and port (http or https alike, so a TLS proxy in front needs no ProxyFix).
    #: `Origin: null` (sandboxed frames, `file:` pages) may POST only if "null" is listed ("*" does
    #: not cover it) or the browser marks the request `Sec-Fetch-Site: same-origin`. A refused
    #: origin gets 403 `origin_not_allowed`, readable through `Access-Control-Allow-Origin: *`
    #: (the origin itself is never echoed).
    "PHONECAPTURE_ALLOWED_ORIGINS": [],
    #: Trust X-Forwarded-For for the client IP (set behind a proxy you control).
    "PHONECAPTURE_TRUST_PROXY": False,

    # -- messaging: providers (docs/messaging.md) ---------------------------------
    #: Public base URL of this site ("https://shop.example"), used for provider callback URLs
    #: (Twilio signs the public URL) and the unsubscribe links in SMS. Unset: no callbacks;
    #: links use the current request's host.
    "PHONECAPTURE_PUBLIC_URL": None,
    #: Seconds an SMS provider call may take (connecting waits at most 5).
    "PHONECAPTURE_SMS_TIMEOUT": 10,
    #: Twilio Account SID (HTTP Basic user).
    "PHONECAPTURE_TWILIO_ACCOUNT_SID": None,
    #: Twilio Auth Token (HTTP Basic password; also checks X-Twilio-Signature). A list is
    #: accepted for callbacks during token rotation.
    "PHONECAPTURE_TWILIO_AUTH_TOKEN": None,
    #: Twilio sender number (E.164) or alphanumeric sender.
    "PHONECAPTURE_TWILIO_FROM": None,
    #: Twilio Messaging Service SID; wins over PHONECAPTURE_TWILIO_FROM when both are set.
    "PHONECAPTURE_TWILIO_MESSAGING_SERVICE_SID": None,
    #: Twilio API base URL (tests and proxies point it elsewhere).
    "PHONECAPTURE_TWILIO_API_BASE": "https://api.twilio.com",
    #: SMS.ru api_id (also the key of its callback hash).
    "PHONECAPTURE_SMSRU_API_ID": None,
    #: SMS.ru approved sender name; unset: the account default.
    "PHONECAPTURE_SMSRU_FROM": None,
    #: SMS.ru test mode (nothing is sent, nothing is charged).
    "PHONECAPTURE_SMSRU_TEST": False,
    #: SMS.ru API base URL.
    "PHONECAPTURE_SMSRU_API_BASE": "https://sms.ru",
    #: SMS Aero account e-mail (HTTP Basic user).
    "PHONECAPTURE_SMSAERO_EMAIL": None,
    #: SMS Aero API key (HTTP Basic password).
    "PHONECAPTURE_SMSAERO_API_KEY": None,
    #: SMS Aero sender name.
    "PHONECAPTURE_SMSAERO_SIGN": "SMS Aero",
    #: Secret that signs the callback URL handed to SMS Aero (it cannot sign callbacks itself).
    "PHONECAPTURE_SMSAERO_CALLBACK_SECRET": None,
    #: SMS Aero API base URL.
    "PHONECAPTURE_SMSAERO_API_BASE": "https://gate.smsaero.ru",
    #: Generic JSON gateway: base URL (required for the http provider).
    "PHONECAPTURE_HTTP_API_BASE": None,
    #: Generic gateway: path of the send request.
    "PHONECAPTURE_HTTP_SEND_PATH": "/messages",
    #: Generic gateway: status lookup path with {id}; unset: no lookup.
    "PHONECAPTURE_HTTP_STATUS_PATH": None,
    #: Generic gateway: name of the auth header.
    "PHONECAPTURE_HTTP_AUTH_HEADER": "Authorization",
    #: Generic gateway: value of the auth header ("Bearer ...").
    "PHONECAPTURE_HTTP_AUTH_VALUE": None,
    #: Generic gateway: JSON body template (dict or JSON text) with {to}, {to_digits}, {body},
    #: {idempotency_key}, {status_callback}; unset: the default in docs/messaging.md.
    "PHONECAPTURE_HTTP_BODY_TEMPLATE": None,
    #: Generic gateway: field of the answer holding the message id.
    "PHONECAPTURE_HTTP_ID_FIELD": "id",
    #: Generic gateway: field of the answer holding the status.
    "PHONECAPTURE_HTTP_STATUS_FIELD": "status",
    #: Generic gateway: HMAC secret of X-PhoneCapture-Signature on callbacks (a list rotates).
    "PHONECAPTURE_HTTP_CALLBACK_SECRET": None,

    # -- messaging: outbox, templates, sequences, quiet hours -----------------------
    #: Retry delays (seconds) for retryable provider errors; after the last one the message fails.
    "PHONECAPTURE_SMS_BACKOFF": [10, 60, 300, 1800],
    #: Seconds sending pauses after the provider says the account is out of credit.
    "PHONECAPTURE_SMS_PAUSE_S": 900,
    #: Seconds a row may stay in "sending" before the sweeper marks it "unknown".
    "PHONECAPTURE_SMS_SENDING_TIMEOUT_S": 600,
    #: Seconds between two runs of the scheduled sweep job (RQ scheduler); 0 turns it off.
    "PHONECAPTURE_SWEEP_INTERVAL_S": 60,
    #: Seconds a due pending row may wait for its job before the sweeper enqueues it again.
    "PHONECAPTURE_SWEEP_STALE_S": 60,
    #: Days a number never confirmed with its SMS code is kept after its last submission, then
    #: erased (someone may have typed a stranger's number); None keeps them.
    "PHONECAPTURE_UNVERIFIED_RETENTION_DAYS": 30,
    #: Days any number is kept after its last submission, then erased; None (the default) keeps
    #: confirmed numbers until the visitor or staff erase them. Both run with the sweep job and
    #: `flask phonecapture retention`.
    "PHONECAPTURE_RETENTION_DAYS": None,
    #: A short note from you, the controller, put in every access-request export
    #: (`flask phonecapture export`): who you are, how to reach your privacy officer.
    "PHONECAPTURE_EXPORT_NOTE": "",
    #: SMS templates overriding the built-in ones: {name: {locale: jinja text}}. Names used by
    #: the extension: otp, erase_code, confirmation, followup, marketing, reminder, help, stop_confirm.
    "PHONECAPTURE_SMS_TEMPLATES": {},
    #: Most segments a rendered template may take; a longer template stops the app at start-up.
    "PHONECAPTURE_SMS_MAX_SEGMENTS": 3,
    #: Put the unsubscribe link in the first SMS to a contact (the code), as well as in every
    #: marketing message.
    "PHONECAPTURE_SMS_LINK_IN_FIRST": True,
    #: Sequences: {name: {trigger: "verified"|"manual", steps: [...], quiet_hours, timezone,
    #: forms}}; see docs/messaging.md.
    "PHONECAPTURE_SEQUENCES": {},
    #: Local-time window for follow-up and marketing SMS (per sequence: "quiet_hours").
    "PHONECAPTURE_QUIET_HOURS": "09:00-21:00",
    #: Consent purposes that STOP, the unsubscribe link and a provider opt-out withdraw.
    "PHONECAPTURE_UNSUBSCRIBE_PURPOSES": ["marketing_sms"],

    # -- messaging: anti-pumping (SMS toll fraud) ----------------------------------
    #: Code-send velocity limits, "count/seconds;count/seconds" per key: number, ip (the /24
    #: or /48 prefix), prefix (number without its last 4 digits), country.
    "PHONECAPTURE_PUMP_LIMITS": {"number": "1/60;5/600", "ip": "10/600;50/86400",
                                 "prefix": "10/600;50/86400", "country": "300/3600"},
    #: SMS allowed per UTC day (codes and all other messages); 0 = no budget. Reaching it trips
    #: the breaker: code sends stop until midnight UTC and an alert is raised.
    "PHONECAPTURE_DAILY_SMS_BUDGET": 0,
    #: Prefix health: a prefix with at least min_sent codes in window_s whose verified/sent
    #: ratio is below min_ratio is blocked for block_s.
    "PHONECAPTURE_PREFIX_HEALTH": {"min_sent": 20, "min_ratio": 0.1, "window_s": 86400,
                                   "block_s": 86400},
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


RATE_LIMIT_KEYS = ("PHONECAPTURE_RATELIMIT_SUBMIT", "PHONECAPTURE_RATELIMIT_VERIFY", "PHONECAPTURE_RATELIMIT_REVEAL")


def check_rate_limits(config: Mapping[str, Any]) -> None:
    """Fail on a limit flask-limiter can't read: it would skip it quietly, and an unreadable
    reveal limit would let one staff member show every number."""
    from limits import parse_many

    for key in RATE_LIMIT_KEYS:
        value = config[key]
        try:
            if not isinstance(value, str) or not parse_many(value):
                raise ValueError
        except ValueError:
            raise ConfigError(f"{key} = {value!r} is no rate limit: write e.g. '30/hour' or "
                              f"'10/minute;60/hour'") from None


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
