"""Client IP, truncated IPs and scrubbing of personal data out of free-text source fields."""
from __future__ import annotations

import ipaddress
import re

# separators: ASCII ones (with "_" and "~", which campaign tools put in utm tags), URL-encoded
# ones and the typographic dashes (‐ ‑ ‒ – — ― −) a number copied from a letter or a messenger
# carries. Not "/": nobody writes a number 8/912/345/67/89, but dates in URL paths are written so,
# and "2026/03/01/17" reads as a valid US number; a number alone between slashes is still found.
_SEPARATOR = r"(?:[\s().\-_~\u2010-\u2015\u2212]|%20|%28|%29)"
_LONG_DIGITS = re.compile(rf"(?:\+|%2B)?\d(?:{_SEPARATOR}*\d){{6,}}")
#: numbers tried per scrubbed text: hostile input ("1/1/1/…") can't make a request parse thousands
#: of windows; a run left when the budget is spent is blanked whole (fail closed)
_PARSE_BUDGET = 300


def client_ip(request, trust_proxy: bool) -> str | None:
    if trust_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return request.remote_addr


def ip_prefix(ip: str | None) -> str | None:
    """IPv4 /24, IPv6 /48: enough for abuse statistics, not enough to identify a visitor."""
    if not ip:
        return None
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    bits = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False))


def scrub(text: str | None, limit: int, region: str = "RU") -> str | None:
    """Cut to ``limit`` and blank out phone numbers (one pasted into a URL or UTM tag).

    Only digits that parse as a valid number are removed, so click ids such as a 19-digit yclid
    survive. A run of digit groups that is no number as a whole is searched group by group, so
    "/orders/12/89123456789" loses the number and keeps the order id.
    """
    if text is None:
        return None
    text = text.replace("\x00", "")  # PostgreSQL text can't hold NUL: the insert would fail
    budget = [_PARSE_BUDGET]
    return _LONG_DIGITS.sub(lambda match: _blank_numbers(match.group(0), region, budget), text)[:limit]


def _blank_numbers(run: str, region: str, budget: list[int]) -> str:
    if budget[0] <= 0 or _is_number(run, region, budget):
        return "[phone]"
    body = 1 if run.startswith("+") else 3 if run.startswith("%2B") else 0  # the prefix is no group
    groups, at = [], body  # (start, end) of each digit group between separators
    for sep in re.finditer(f"{_SEPARATOR}+", run[body:]):
        groups.append((at, body + sep.start()))
        at = body + sep.end()
    groups.append((at, len(run)))
    found = []  # (digits, first group, last group) of every window of groups that is a number
    for i in range(len(groups)):
        digits = 0
        for j in range(i, len(groups)):
            digits += groups[j][1] - groups[j][0]
            if digits > _MAX_DIGITS:
                break
            if digits < 7 or (i == 0 and j == len(groups) - 1):  # the whole run was tried above
                continue
            if budget[0] <= 0:
                return "[phone]"
            rank = _is_number(run[groups[i][0] if i else 0:groups[j][1]], region, budget)
            if rank:
                found.append((digits, rank, i, j))
    # the longest numbers first: "29-8-912-345-67-89" holds a +298 number too, but the 11 digits win;
    # of two as long, the one read as written ("22-8-912-345-67-89": 8 912… in RU, not +228 912…)
    taken: list[tuple[int, int]] = []
    for _, _, i, j in sorted(found, key=lambda f: (-f[0], -f[1], f[2])):
        if all(j < first or i > last for first, last in taken):
            taken.append((i, j))
    out, kept = [], 0
    for i, j in sorted(taken):
        out += [run[kept:groups[i][0] if i else 0], "[phone]"]
        kept = groups[j][1]
    return "".join(out) + run[kept:]


_MAX_DIGITS = 18  # the longest dialled form: "810" + a 15-digit E.164 number


def _is_number(raw: str, region: str, budget: list[int]) -> int:
    """2: a valid number as written (in ``region`` unless it has a +); 1: valid only read as
    international digits without their +; 0: no number."""
    import phonenumbers

    budget[0] -= 1
    raw = re.sub(_SEPARATOR, " ", raw.replace("%2B", "+"))
    for rank, candidate in ((2, raw), (1, "+" + re.sub(r"\D", "", raw))):
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate, region)):
                return rank
        except phonenumbers.NumberParseException:
            pass
    return 0
