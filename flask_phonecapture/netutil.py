"""Client IP, truncated IPs and scrubbing of personal data out of free-text source fields."""
from __future__ import annotations

import ipaddress
import re

# separators: ASCII ones, URL-encoded ones and the typographic dashes (‐ ‑ ‒ – — ― −) a number
# copied from a letter or a messenger carries, all of which phonenumbers reads as punctuation
_LONG_DIGITS = re.compile(r"(?:\+|%2B)?\d(?:[\s().\-\u2010-\u2015\u2212]|%20|%28|%29)*"
                          r"(?:\d(?:[\s().\-\u2010-\u2015\u2212]|%20|%28|%29)*){6,}")


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

    Only digit runs that parse as a valid number are removed, so click ids such as a
    19-digit yclid survive.
    """
    if text is None:
        return None
    import phonenumbers

    text = text.replace("\x00", "")  # PostgreSQL text can't hold NUL: the insert would fail

    def replace(match: re.Match) -> str:
        raw = re.sub(r"%20|%28|%29", " ", match.group(0)).replace("%2B", "+")
        digits = re.sub(r"\D", "", raw)
        for candidate in (raw, "+" + digits):
            try:
                if phonenumbers.is_valid_number(phonenumbers.parse(candidate, region)):
                    return "[phone]"
            except phonenumbers.NumberParseException:
                pass
        return match.group(0)

    return _LONG_DIGITS.sub(replace, text)[:limit]
