"""Anti-pumping (SMS toll fraud): checked before every code is queued.

* velocity limits per number, per IP prefix, per number prefix (the number without its
  last 4 digits) and per country, ``PHONECAPTURE_PUMP_LIMITS`` (defaults: 1 code a
  minute and 5 in 10 minutes per number, as Twilio Verify or stricter);
* a global daily SMS budget (``PHONECAPTURE_DAILY_SMS_BUDGET``) whose breaker stops code
  sends until midnight UTC and raises an alert;
* prefix health: a prefix whose codes are not being verified (verified/sent below
  ``min_ratio`` over at least ``min_sent`` codes) is blocked for ``block_s`` and alerted.

Country allowlists are the forms' ``countries`` (numbers from elsewhere never get here).
Every refusal is a :class:`~flask_phonecapture.leads.LeadError` (429 with Retry-After, or
403) with a clear message, and is counted per reason and UTC day (:func:`refusal_counts`).
State lives in Redis, shared by every process (keys hold blind indexes, never numbers);
without Redis, or while it is down, in this process's memory.
"""
from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timezone

from flask import current_app

from . import counters
from .alerts import alert

log = logging.getLogger("flask_phonecapture")

KINDS = ("number", "ip", "prefix", "country")
MESSAGES = {
    "number": "Too many codes were requested for this number; try again in {wait} s.",
    "ip": "Too many codes were requested from your network; try again in {wait} s.",
    "prefix": "Too many codes were requested for numbers like this one; try again in {wait} s.",
    "country": "Too many codes were requested for this country; try again in {wait} s.",
}


def parse_limits(spec) -> dict[str, list[tuple[int, int]]]:
    """``{"number": "1/60;5/600", ...}`` -> ``{"number": [(1, 60), (5, 600)], ...}``."""
    out: dict[str, list[tuple[int, int]]] = {}
    for kind, text in (spec or {}).items():
        if kind not in KINDS:
            raise ValueError(f"PHONECAPTURE_PUMP_LIMITS: unknown key {kind!r}; use {KINDS}")
        rules = []
        for part in str(text or "").split(";"):
            if not part.strip():
                continue
            try:
                count, seconds = (int(x) for x in part.strip().split("/"))
            except ValueError:
                raise ValueError(f"PHONECAPTURE_PUMP_LIMITS[{kind!r}]: {part!r} is not "
                                 "'count/seconds'") from None
            if count < 1 or seconds < 1:
                raise ValueError(f"PHONECAPTURE_PUMP_LIMITS[{kind!r}]: {part!r} must be positive")
            rules.append((count, seconds))
        out[kind] = rules
    return out


def _today() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d")


def _to_midnight() -> int:
    now = time.time()
    return max(1, int(86400 - now % 86400))


def _ids(state, e164: str, region: str, ip_prefix: str | None) -> dict[str, list[str]]:
    """The counter ids of each kind: one per index key held (the current one first).

    While an old index key is listed (PHONECAPTURE_OLD_INDEX_KEYS), every event is counted under
    both and a check takes the highest count, so the limits run on through a key switch: a
    process still on the old keys counts under the old id, which the new processes read too.
    """
    ring = state.keyring
    return {"number": ring.blind_indexes(e164, "pump.number"),
            "prefix": ring.blind_indexes(e164[:-4], "pump.prefix"),
            "ip": ring.blind_indexes(ip_prefix, "pump.ip") if ip_prefix else [],
            "country": [region or "ZZ"]}


def refuse(state, status: int, reason: str, message: str, retry_after: int | None = None):
    from ..leads import LeadError

    counters.incr(state, counters.key(state, "refusals", _today(), reason))
    log.info("phonecapture: code send refused (%s)", reason)
    return LeadError(status, reason, message, retry_after=retry_after)


def check_code_send(state, *, e164: str, region: str, ip_prefix: str | None) -> None:
    """Raise LeadError when this code must not be sent; otherwise count it."""
    config = current_app.config
    key = lambda *parts: counters.key(state, "pump", *parts)  # noqa: E731
    now = time.time()

    budget = int(config["PHONECAPTURE_DAILY_SMS_BUDGET"] or 0)
    if budget and counters.get(state, key("budget", _today())) >= budget:
        wait = _to_midnight()
        raise refuse(state, 429, "sms_budget",
                     f"Codes can't be sent right now (daily SMS budget reached); try again in "
                     f"{wait} s.", retry_after=wait)

    ids = _ids(state, e164, region, ip_prefix)
    prefixes = ids["prefix"]
    if counters.flag_ttl(state, *(key("blocked", p) for p in prefixes)):
        raise refuse(state, 403, "prefix_blocked",
                     "Codes can't be sent to numbers like this one right now.")

    limits = parse_limits(config["PHONECAPTURE_PUMP_LIMITS"])
    windows, rules = [], []
    for kind, kind_rules in limits.items():
        for count, seconds in kind_rules:
            for one in ids.get(kind, ()):
                windows.append((key(kind, one), seconds))
                rules.append((kind, count, seconds))
    for (kind, count, seconds), (seen, oldest) in zip(rules, counters.counts(state, windows, now)):
        if seen >= count:
            wait = max(1, math.ceil((oldest or now) + seconds - now))
            raise refuse(state, 429, f"too_many_codes_{kind}", MESSAGES[kind].format(wait=wait),
                         retry_after=wait)

    health = config["PHONECAPTURE_PREFIX_HEALTH"] or {}
    if health:
        window = int(health.get("window_s", 86400))
        seen = counters.counts(state, [(key(kind, p), window) for p in prefixes
                                       for kind in ("sent", "verified")], now)
        # The key that has seen the most codes of the prefix: the old one just after a switch.
        sent, verified = max(((s, v) for (s, _), (v, _) in zip(seen[::2], seen[1::2])))
        if sent >= int(health.get("min_sent", 20)) and \
                verified / sent < float(health.get("min_ratio", 0.1)):
            block_s = int(health.get("block_s", 86400))
            for p in prefixes:
                counters.flag(state, key("blocked", p), block_s)
            alert("prefix_blocked", f"a number prefix was blocked for {block_s} s: {verified} of "
                  f"{sent} codes verified", region=region, sent=sent, verified=verified)
            raise refuse(state, 403, "prefix_blocked",
                         "Codes can't be sent to numbers like this one right now.")

    keep: dict[str, int] = {}  # one event per key, kept for its longest window
    for k, seconds in windows:
        keep[k] = max(keep.get(k, 0), int(seconds))
    if health:
        for p in prefixes:
            keep[key("sent", p)] = window
    counters.add(state, list(keep.items()), now)
    _count_budget(state, budget)


def _count_budget(state, budget: int) -> None:
    if not budget:
        counters.incr(state, counters.key(state, "pump", "budget", _today()))
        return
    used = counters.incr(state, counters.key(state, "pump", "budget", _today()))
    if used == budget:
        alert("budget", f"daily SMS budget of {budget} reached; code sends stop until "
              "midnight UTC", budget=budget)


def count_sent(state) -> None:
    """A non-code SMS went out: it spends the same daily budget."""
    _count_budget(state, int(current_app.config["PHONECAPTURE_DAILY_SMS_BUDGET"] or 0))


def record_verified(state, e164: str) -> None:
    """A code for this number was entered: the prefix is healthy by one more."""
    health = current_app.config["PHONECAPTURE_PREFIX_HEALTH"] or {}
    if not health:
        return
    window = int(health.get("window_s", 86400))
    counters.add(state, [(counters.key(state, "pump", "verified", prefix), window)
                         for prefix in state.keyring.blind_indexes(e164[:-4], "pump.prefix")])


def refusal_counts(state, day: str | None = None) -> dict[str, int]:
    """{reason: refusals} for a UTC day ("YYYYMMDD", default today)."""
    day = day or _today()
    reasons = ["sms_budget", "prefix_blocked"] + [f"too_many_codes_{k}" for k in KINDS]
    return {r: counters.get(state, counters.key(state, "refusals", day, r)) for r in reasons}
