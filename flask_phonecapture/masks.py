"""Compact per-country input-mask templates for the widget, derived from phonenumbers.

The widget carries no phone metadata of its own: ``GET /api/v1/forms/<id>`` embeds
``country_masks(regions, locale)`` and the browser formats exactly as phonenumbers does.

Shape of one entry (short keys: it travels with every form config)::

    {"r": "RU",                 # region
     "c": "7",                  # country calling code
     "n": "Россия",             # country name in the form's locale
     "p": "8",                  # national prefix for parsing (a regex, anchored by the widget)
     "x": "810",                # international (exit) prefix regex; "00" is always accepted too
     "l": [10, 14],             # possible lengths of the national significant number
     "g": "8\\d{13}|[347-9]\\d{9}",  # national number pattern (is a reading viable?)
     "d": "33|7",               # digits telling regions of a shared code apart (see below)
     "e": "9123456789",         # example national number (placeholder)
     "u": "444\\d{4}",           # valid numbers no format fits, shown as typed (optional; TR)
     "f": [[pattern, display, template, [leading-digit patterns...]], ...]}

``display`` is phonenumbers' INTERNATIONAL format string with ``$n`` groups and the first
group wrapped in parentheses where the national format shows it so (Russia:
``+7 (912) 345-67-89``). ``template`` is the as-you-type template (``#`` per digit) of the
longest number the pattern allows, so the widget can format a number still being typed.
Regions that share a calling code with formats defined only on the main region (KZ → RU)
get the main region's formats.

``d`` is tested on the digits after the calling code, as a prefix: the region whose ``d``
matches is the one ``phonenumbers.region_code_for_number`` will give. It is sent only where the
form allows two or more regions of that code. It is phonenumbers' ``leading_digits`` where the
metadata has them (JM); for a region without them that the form allows together with another
region of its code (US and CA, GB and GG), it is computed from the number patterns
(``_shared.split``): CA ``2(?:04|[23]6|…)|…`` (its area codes), the main region (US, GB) a
negative lookahead of the digits still undecided and of its siblings' ``d``. Where the code's
own digits start a sibling's numbers (RU and KZ: Kazakh numbers start with 7), both readings of
"7…" are weighed (``_shared._again``): KZ ``7(?:[0-25-7]|…)``, RU ``[3489]|7(?=[39]|…)``, a
match of just the code meaning "the code typed again". Digits matching no ``d`` are not
decided yet.
"""
from __future__ import annotations

import functools
import re

from ._shared import split, unformatted

__all__ = ["country_masks"]

_LONGEST = "999999999999999"
_CHAR_CLASS = re.compile(r"\[([^\[\]])*\]")
_STANDALONE_DIGIT = re.compile(r"\d(?=[^,}][^,}])")


def _metadata(region: str):
    from phonenumbers import PhoneMetadata
    meta = PhoneMetadata.metadata_for_region(region.upper())
    if meta is None:
        raise ValueError(f"unknown region {region!r}")
    return meta


def _group(fmt: str) -> str:
    return re.sub(r"\\(\d)", r"$\1", fmt)


def _template(pattern: str, fmt: str) -> str | None:
    """The as-you-type template of the longest number ``pattern`` matches (like
    phonenumbers' AsYouTypeFormatter), digits shown as ``#``."""
    simple = _STANDALONE_DIGIT.sub(r"\\d", _CHAR_CLASS.sub(r"\\d", pattern))
    m = re.match(simple, _LONGEST)
    if m is None:
        return None
    longest = m.group(0)
    return re.sub(simple, fmt, longest).replace("9", "#")


_FOUR_DIGITS = [f"{i:04d}" for i in range(10000)]


def _reachable(leading: list[str], region_digits: str | None) -> bool:
    """Can a number of a region whose numbers start with ``region_digits`` use a format
    whose first leading-digits pattern is ``leading[0]``? (RU drops the 7xx formats
    that only Kazakh numbers use.) Undecidable within four digits counts as yes."""
    if not region_digits or not leading:
        return True
    fmt_re = re.compile(f"(?:{leading[0]})")
    region_re = re.compile(f"(?:{region_digits})")
    hits = [s for s in _FOUR_DIGITS if fmt_re.match(s)]
    # A region prefix longer than four digits (VA: 06698) matches no four-digit string:
    # look one digit further, or every format of the main region would be dropped.
    tails = [""] if any(region_re.match(s) for s in _FOUR_DIGITS) else "0123456789"
    return not hits or any(region_re.match(s + t) for s in hits for t in tails)


def _formats(meta, region_digits: str | None = None) -> list[list]:
    """Formats usable in international form, with the national format's parentheses."""
    national = [nf for nf in meta.number_format
                if _reachable(list(nf.leading_digits_pattern), region_digits)]
    intl = meta.intl_number_format or national
    out = []
    for nf in national:
        match = next((f for f in intl if f.pattern == nf.pattern
                      and list(f.leading_digits_pattern) == list(nf.leading_digits_pattern)), None)
        if match is None or match.format == "NA":
            continue
        display = match.format
        shape = nf.format
        rule = nf.national_prefix_formatting_rule
        if rule:
            if meta.national_prefix:
                rule = rule.replace(meta.national_prefix, "", 1)
            shape = shape.replace("\\1", rule.lstrip(), 1)
        if "(\\1)" in shape:
            # Keep the parentheses people know from the national form, drop the prefix:
            # "8 (\1) \2-\3-\4" -> "(\1) \2-\3-\4", TR "(0\1) \2" -> "(\1) \2".
            display = shape[shape.index("("):]
        template = _template(nf.pattern, display)
        if template is None:
            continue
        out.append([nf.pattern, _group(display), _group(template).replace("$", ""),
                    list(nf.leading_digits_pattern)])
    return out


def _name(region: str, locale: str) -> str:
    from phonenumbers.geocoder import _region_display_name
    lang = (locale or "en").split("-")[0].split("_")[0].lower()
    return _region_display_name(region, lang) or _region_display_name(region, "en") or region


def _example(region: str) -> str:
    import phonenumbers
    from phonenumbers import PhoneNumberType
    for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
        num = phonenumbers.example_number_for_type(region, kind)
        if num is not None:
            return phonenumbers.national_significant_number(num)
    return ""


@functools.lru_cache(maxsize=256)
def _entry(region: str, locale: str) -> tuple:
    import phonenumbers
    meta = _metadata(region)
    cc = meta.country_code
    formats = _formats(meta, meta.leading_digits)
    if not formats:
        main = phonenumbers.region_code_for_country_code(cc)
        if main and main != region:
            formats = _formats(_metadata(main), meta.leading_digits)
    entry = {
        "r": region,
        "c": str(cc),
        "n": _name(region, locale),
        "p": meta.national_prefix_for_parsing or meta.national_prefix or "",
        "x": meta.international_prefix or "00",
        "l": sorted(meta.general_desc.possible_length),
        "g": meta.general_desc.national_number_pattern,
        "e": _example(region),
        "f": formats,
    }
    if meta.leading_digits:
        entry["d"] = meta.leading_digits
    u = unformatted(region, formats)
    if u:  # DE 16412345, TR 4441444: whole numbers phonenumbers leaves as they are
        entry["u"] = u
    if meta.national_prefix_transform_rule:  # AR "0 11 15 …" → "9 11 …", BR carrier codes
        entry["t"] = meta.national_prefix_transform_rule  # "9\\1": groups of "p"
    # A tuple of items keeps the cached value immutable; country_masks() rebuilds dicts.
    return tuple(entry.items())


def _fresh(entry: tuple) -> dict:
    out = {}
    for key, value in entry:
        if key == "f":
            value = [[p, d, t, list(ld)] for p, d, t, ld in value]
        elif isinstance(value, list):
            value = list(value)
        out[key] = value
    return out


def country_masks(regions: list[str] | tuple[str, ...], locale: str = "en") -> list[dict]:
    """JSON-ready mask templates for each allowed region, in the given order.

    Unknown regions raise ``ValueError`` (form configs are validated at start-up, so a
    typo fails loudly there). The result is freshly built from a cached tuple, so callers
    may mutate it.
    """
    out = [_fresh(_entry(r.upper(), locale or "en")) for r in regions]
    codes: dict[str, list[str]] = {}
    for c in out:
        codes.setdefault(c["c"], []).append(c["r"])
    for code, rs in codes.items():
        # Regions of one code to tell apart: phonenumbers' way, as "d". A region alone with its
        # code has no sibling to be told from: no "d" (the widget would take KZ's "7", which is
        # its code, for the code typed again).
        told = split(int(code), tuple(sorted(rs))) if len(rs) > 1 else {}
        for c in out:
            if c["c"] == code:
                if c["r"] in told:
                    c["d"] = told[c["r"]]
                elif len(rs) == 1:
                    c.pop("d", None)
    return out


def example_display(mask: dict) -> str:
    """The example number as the widget shows it (widget/src/masks.ts ``format`` of a whole
    number): the placeholder of a server-drawn inline form is exactly what the widget sets."""
    digits = mask["e"]
    for pattern, display, _template, leading in mask["f"]:
        if leading and not re.match(f"(?:{leading[-1]})", digits):
            continue
        m = re.fullmatch(pattern, digits)
        if m:
            return f"+{mask['c']} " + re.sub(r"\$(\d)", lambda g: m.group(int(g.group(1))), display)
    return f"+{mask['c']} {digits}"
