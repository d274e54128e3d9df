"""How many SMS segments a text costs: GSM-7 or UCS-2, single or concatenated. Pure.

* GSM-7 (3GPP TS 23.038 default alphabet): 160 septets in one SMS, 153 per part when the
  text is split (the other 7 carry the concatenation header). Characters of the extension
  table (``^ { } \\ [ ] ~ | €`` and form feed) take two septets, an escape and the
  character, and the pair is never split across two parts.
* Anything else makes the whole message UCS-2: 70 UTF-16 code units in one SMS, 67 per
  part. Characters outside the Basic Multilingual Plane (most emoji) take two units, and a
  surrogate pair is never split either. Cyrillic is always UCS-2.

Counting packs parts greedily with those rules, as handsets and gateways do, so a text
of 152 septets plus one extension character is two parts, not one.
"""
from __future__ import annotations

from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

#: the GSM 03.38 default alphabet (the escape 0x1B itself is left out)
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: the extension table, reached through the escape: two septets each
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str        # "GSM-7" or "UCS-2"
    units: int           # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int        # SMS parts billed; 0 for an empty text
    per_segment: int     # capacity of one part at this length (160/153 or 70/67)
    remaining: int       # units still free in the last part

    @property
    def single(self) -> bool:
        return self.segments <= 1


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def encoding(text: str) -> str:
    return GSM7 if is_gsm7(text) else UCS2


def _unit_sizes(text: str, enc: str) -> list[int]:
    if enc == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segment_info(text: str) -> SegmentInfo:
    enc = encoding(text)
    sizes = _unit_sizes(text, enc)
    units = sum(sizes)
    single, multi = LIMITS[enc]
    if units == 0:
        return SegmentInfo(enc, 0, 0, single, single)
    if units <= single:
        return SegmentInfo(enc, units, 1, single, single - units)
    parts, used = 1, 0
    for size in sizes:  # greedy packing: an escape pair or surrogate pair stays whole
        if used + size > multi:
            parts, used = parts + 1, 0
        used += size
    return SegmentInfo(enc, units, parts, multi, multi - used)


def count_segments(text: str) -> int:
    return segment_info(text).segments


def non_gsm7_chars(text: str) -> list[str]:
    """The characters that force UCS-2, in order of first use (to tell a template author)."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION:
            seen.setdefault(ch)
    return list(seen)
