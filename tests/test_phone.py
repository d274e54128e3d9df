import pytest

from flask_phonecapture.phone import PhoneError, mask_e164, parse_phone

RU_FORMS = ["+7 (912) 345-67-89", "8 912 345 67 89", "89123456789", "79123456789", "9123456789",
            "+7 912 345-67-89", "8 (912) 345-67-89", "8-912-345-67-89", " 8 912 345 67 89 "]


@pytest.mark.parametrize("raw", RU_FORMS)
def test_every_common_russian_spelling_is_the_same_number(raw):
    parsed = parse_phone(raw, "RU")
    assert parsed.e164 == "+79123456789"
    assert parsed.region == "RU"
    assert parsed.number_type == "mobile"


@pytest.mark.parametrize("raw, e164, region", [
    ("+49 30 1234567", "+49301234567", "DE"),
    ("0049 30 1234567", "+49301234567", "DE"),
    ("00 49 30 1234567", "+49301234567", "DE"),
    ("810 49 30 1234567", "+49301234567", "DE"),
    ("+7 701 123 4567", "+77011234567", "KZ"),
    ("+375 29 123-45-67", "+375291234567", "BY"),
    ("+1 (650) 253-0000", "+16502530000", "US"),
    ("+44 20 7946 0958", "+442079460958", "GB"),
])
def test_foreign_numbers_with_plus_or_00(raw, e164, region):
    parsed = parse_phone(raw, "RU")
    assert (parsed.e164, parsed.region) == (e164, region)


def test_national_number_uses_the_default_region():
    assert parse_phone("(650) 253-0000", "US").e164 == "+16502530000"


@pytest.mark.parametrize("raw, code", [
    ("", "required"), ("   ", "required"), ("123", "invalid"), ("8 999 000 00 00 00 00", "invalid"),
    ("+7 (912) 345-67-8x", "characters"), ("<script>", "characters"), ("9" * 41, "too_long"),
    ("+999 123 456 789", "invalid"),
])
def test_bad_numbers_are_refused_with_a_reason(raw, code):
    with pytest.raises(PhoneError) as info:
        parse_phone(raw, "RU")
    assert info.value.code == code


def test_non_string_is_refused():
    with pytest.raises(PhoneError) as info:
        parse_phone(79123456789, "RU")
    assert info.value.code == "type"


def test_country_outside_the_allowed_list_is_refused():
    with pytest.raises(PhoneError) as info:
        parse_phone("+49 30 1234567", "RU", ["RU", "KZ"])
    assert info.value.code == "country"
    assert "DE" in str(info.value)


def test_error_messages_never_repeat_the_number():
    for raw in ["+7 912 345 67 8", "+49 30 1234567"]:
        with pytest.raises(PhoneError) as info:
            parse_phone(raw, "RU", ["RU"])
        assert "345" not in str(info.value) and "1234567" not in str(info.value)


def test_mask_shows_country_code_and_last_two_digits_only():
    assert mask_e164("+79123456789") == "+7 *** ***-**-89"
    masked = mask_e164("+49301234567")
    assert masked.startswith("+49") and masked.endswith("67")
    assert sum(c.isdigit() for c in masked) == 4
