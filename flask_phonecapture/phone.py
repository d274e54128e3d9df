"""Parse, validate, normalise and mask phone numbers (phonenumbers does the real work).

Error messages never repeat the number the visitor typed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

MAX_INPUT_CHARS = 40
_ALLOWED_CHARS = re.compile(r"^[\d\s()+\-./]*$")
_TYPE_NAMES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.VOIP: "voip",
}


class PhoneError(ValueError):
    """The input is not a usable number; ``code`` is machine-readable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ParsedPhone:
    e164: str               # "+79123456789"
    region: str             # "RU"
    number_type: str        # "mobile", ...
    national: str           # "8 (912) 345-67-89"
    international: str      # "+7 912 345-67-89"


def _candidates(raw: str, region: str) -> list[str]:
    """Readings of the input to try, most literal first.

    "00 49 ..." is the ITU international prefix that many people use even where the
    local one differs (RU dials 8~10); "7912..." without a plus is the common way
    Russians paste a number copied from a CRM.
    """
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    out = [text]
    if text.startswith("00"):
        out.insert(0, "+" + digits[2:])
    elif not text.startswith("+") and len(digits) >= 11:
        out.append("+" + digits)
    return out


def parse_phone(raw: object, default_region: str = "RU",
                allowed_regions: list[str] | tuple[str, ...] | None = None) -> ParsedPhone:
    """Return the number in every form we need, or raise :class:`PhoneError`."""
    if not isinstance(raw, str):
        raise PhoneError("type", "Phone number must be a string.")
    if not raw.strip():
        raise PhoneError("required", "Enter a phone number.")
    if len(raw) > MAX_INPUT_CHARS:
        raise PhoneError("too_long", f"Phone number is longer than {MAX_INPUT_CHARS} characters.")
    if not _ALLOWED_CHARS.match(raw):
        raise PhoneError("characters", "Phone number may contain only digits, spaces, + ( ) - . /")

    number = None
    for candidate in _candidates(raw, default_region):
        try:
            parsed = phonenumbers.parse(candidate, default_region)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            number = parsed
            break
        if number is None and phonenumbers.is_possible_number(parsed):
            number = parsed
    if number is None or not phonenumbers.is_valid_number(number):
        raise PhoneError("invalid", "This is not a valid phone number.")

    region = phonenumbers.region_code_for_number(number) or ""
    if allowed_regions and region not in allowed_regions:
        raise PhoneError("country", f"Numbers from {region or 'this country'} are not accepted "
                                    f"by this form (allowed: {', '.join(allowed_regions)}).")
    return ParsedPhone(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        region=region,
        number_type=_TYPE_NAMES.get(phonenumbers.number_type(number), "other"),
        national=phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
        international=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
    )


def mask_e164(e164: str, keep: int = 2) -> str:
    """``+79123456789`` -> ``+7 *** ***-**-89``: the country code and the last digits only."""
    try:
        number = phonenumbers.parse(e164, None)
        shown = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        prefix = f"+{number.country_code}"
    except NumberParseException:
        shown, prefix = e164, "+"
    body = shown[len(prefix):] if shown.startswith(prefix) else shown
    total = sum(ch.isdigit() for ch in body)
    seen = 0
    masked = []
    for ch in body:
        if ch.isdigit():
            seen += 1
            masked.append(ch if seen > total - keep else "*")
        else:
            masked.append(ch)
    return prefix + "".join(masked)

