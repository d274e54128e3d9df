"""flask_phonecapture.masks: the per-country templates the widget formats with."""
import gzip
import json
import re

import phonenumbers
import pytest

from flask_phonecapture.masks import country_masks

REGIONS = ["RU", "KZ", "BY", "UA", "UZ", "DE", "US", "GB", "FR", "AM", "GE", "TR"]


def _sub(pattern: str, display: str, nsn: str) -> str:
    """Apply a JS-style ("$1") replacement the way the widget does."""
    return re.sub(pattern, re.sub(r"\$(\d)", r"\\\1", display), nsn)


def test_russia_shape():
    (ru,) = country_masks(["RU"], "ru")
    assert ru["r"] == "RU" and ru["c"] == "7" and ru["p"] == "8" and ru["x"] == "810"
    assert ru["n"] == "Россия"
    assert 10 in ru["l"]
    pattern, display, template, leading = ru["f"][0]
    assert _sub(pattern, display, "9123456789") == "(912) 345-67-89"
    assert template == "(###) ###-##-##"
    assert re.match(leading[-1], "912")
    json.dumps(ru)  # JSON-ready


def test_locale_names():
    assert country_masks(["DE"], "en")[0]["n"] == "Germany"
    assert country_masks(["DE"], "ru")[0]["n"] == "Германия"
    assert country_masks(["DE"], "ru-RU")[0]["n"] == "Германия"
    assert country_masks(["DE"], "xx")[0]["n"] == "Germany"


def test_order_and_case_kept():
    assert [c["r"] for c in country_masks(["de", "RU", "kz"])] == ["DE", "RU", "KZ"]


def test_unknown_region_raises():
    with pytest.raises(ValueError):
        country_masks(["XX"])


def test_shared_code_gets_main_formats_filtered_by_leading_digits():
    ru, kz = country_masks(["RU", "KZ"])
    assert kz["c"] == "7" and re.match(f"(?:{kz['d']})", "77")
    assert kz["f"], "KZ borrows RU's formats"
    # RU drops the 7xx formats only Kazakh numbers use; KZ keeps them.
    assert not any(re.match(f[3][0], "771") for f in ru["f"] if f[3])
    assert any(re.match(f[3][-1], "771") for f in kz["f"] if f[3])


def test_cached_but_fresh():
    a = country_masks(["RU"])
    a[0]["f"].clear()
    a[0]["l"].append(99)
    b = country_masks(["RU"])
    assert b[0]["f"] and 99 not in b[0]["l"]


@pytest.mark.parametrize("region", REGIONS + ["VA"])  # VA: leading digits longer than four
def test_templates_reproduce_phonenumbers(region):
    """Every example number formats, through the templates, as phonenumbers does it."""
    (c,) = country_masks([region])
    for kind in range(11):
        num = phonenumbers.example_number_for_type(region, kind)
        if num is None or phonenumbers.region_code_for_number(num) != region:
            continue
        nsn = phonenumbers.national_significant_number(num)
        for pattern, display, template, leading in c["f"]:
            if (not leading or re.match(leading[-1], nsn)) and re.fullmatch(pattern, nsn):
                got = _sub(pattern, display, nsn)
                assert template.count("#") >= len(nsn)
                break
        else:
            got = nsn
        national = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
        if "(" in national:  # parentheses as in the national form, without the prefix
            want = national[national.index("("):]
            extra = len(re.sub(r"\D", "", want)) - len(nsn)
            want = re.sub(r"\d", "", want, count=extra) if extra else want
            want = f"+{c['c']} {want.replace('( ', '(')}"
        else:
            want = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        assert f"+{c['c']} {got}" == want, nsn
        assert re.sub(r"\D", "", got) == nsn


def test_ru_config_is_small():
    body = json.dumps(country_masks(["RU"], "ru"), ensure_ascii=False, separators=(",", ":"))
    assert len(gzip.compress(body.encode())) < 400


def test_a_region_prefix_longer_than_four_digits_keeps_its_formats():
    (va,) = country_masks(["VA"])
    assert va["f"], "VA borrows IT's formats"
    assert country_masks(["IT", "VA"])[1]["d"] == "06698"


def test_regions_that_rewrite_their_national_prefix_send_the_rule():
    """Argentina's "0 11 15 2345-6789" is 9 11 2345-6789: the widget needs the rule to read it."""
    ar, br, ru = country_masks(["AR", "BR", "RU"])
    assert ar["t"] == "9\\1" and br["t"] == "\\2"
    assert "t" not in ru  # most regions just drop their prefix


def _region_by_d(countries: list[dict], nsn: str) -> list[str]:
    return [c["r"] for c in countries if "d" in c and re.match(f"(?:{c['d']})", nsn)]


@pytest.mark.parametrize("allowed", [["US", "CA"], ["CA", "US", "JM"], ["GB", "GG", "JE", "IM"], ["GG", "JE"]])
def test_regions_of_a_shared_code_are_told_apart_as_phonenumbers_does(allowed):
    """A Toronto number is Canadian, a Guernsey mobile is GG: each allowed region gets a "d"
    that the digits after the code match exactly when region_code_for_number says so."""
    countries = country_masks(allowed)
    assert all("d" in c for c in countries)
    cc = countries[0]["c"]
    starts = range(200, 1000) if cc == "1" else range(1000, 10000)
    tails = ("2345678", "5550123") if cc == "1" else ("234567", "900123")
    checked = 0
    for start in starts:
        for tail in tails:
            num = phonenumbers.parse(f"+{cc}{start}{tail}")
            region = phonenumbers.region_code_for_number(num)
            if phonenumbers.is_valid_number(num) and region in allowed:
                assert _region_by_d(countries, f"{start}{tail}") == [region], num
                checked += 1
    assert checked > 50


def test_canada_is_decided_by_its_area_code():
    us, ca = country_masks(["US", "CA"])
    assert _region_by_d([us, ca], "416") == ["CA"]
    assert _region_by_d([us, ca], "212") == ["US"]
    assert _region_by_d([us, ca], "41") == []  # not yet
    assert _region_by_d([us, ca], "3101234") == ["CA"]  # seven digits: a Canadian service number


def test_forms_without_two_regions_of_one_code_send_no_d():
    """Nothing travels to tell regions apart unless the form allows two regions of one code:
    not even a region's own leading digits (KZ's 7 alone in +7 would read as the code again)."""
    assert all("d" not in c for c in country_masks(["US", "GB", "DE"]))
    assert all("d" not in c for c in country_masks(["KZ", "BY"]) + country_masks(["RU", "BY"]))
    assert "d" in country_masks(["JM", "PR"])[0]  # two regions of +1 with leading digits: theirs


def _read(countries: list[dict], digits: str) -> tuple[list[str], str]:
    """The regions whose d the digits after +7 match, and the digits the widget keeps (a match of
    just the code is the code typed again: it goes)."""
    hits = [(c["r"], m.group(0)) for c in countries if "d" in c and (m := re.match(f"(?:{c['d']})", digits))]
    return [r for r, _ in hits], digits[1:] if hits and hits[0][1] == "7" else digits


def test_ru_and_kz_are_told_apart_as_soon_as_the_digits_decide():
    """Kazakh numbers start with 7, the code of both: "7912…" after +7 is Russia's 912… with the
    code typed again (no Kazakh number starts 79), "7701…" is Kazakh either way, "74…" (KZ 747…
    or RU 4…) is not decided yet, and a whole number is the region phonenumbers gives."""
    ru, kz, by = cs = country_masks(["RU", "KZ", "BY"])
    assert "d" not in by
    assert _read(cs, "79") == (["RU"], "9") and _read(cs, "7495") == (["RU"], "495")
    assert _read(cs, "77")[0] == ["KZ"] and _read(cs, "76")[0] == ["KZ"] and _read(cs, "7012") == (["KZ"], "7012")
    for undecided in ("", "7", "74", "78", "747123"):
        assert _read(cs, undecided)[0] == [], undecided
    checked = 0
    for start in range(1000, 10000):
        for tail in ("234567", "900123"):
            nsn = f"{start}{tail}"
            num = phonenumbers.parse("+7" + nsn)
            if not phonenumbers.is_valid_number(num):
                continue
            region = phonenumbers.region_code_for_number(num)
            assert _read(cs, nsn) == ([region], nsn), nsn
            # the code typed again before it: phonenumbers reads "7" + a Russian number past it
            again = phonenumbers.parse("7" + nsn, "RU")
            regions, kept = _read(cs, "7" + nsn)
            assert regions == [phonenumbers.region_code_for_number(again)], nsn
            # a Kazakh "7 7…" keeps its digits until the length says (the widget's fix() then)
            assert kept == str(again.national_number) or region == "KZ", nsn
            checked += 1
    assert checked > 1000


def test_valid_numbers_no_format_fits_are_listed():
    """"u": the whole numbers phonenumbers leaves unformatted, so the widget can group every
    other number being typed by its template instead of dropping the grouping."""
    de, tr, ru, gb = country_masks(["DE", "TR", "RU", "GB"])
    assert tr["u"] == "444\\d{4}"
    assert re.fullmatch(de["u"], "16412345") and not re.fullmatch(de["u"], "1641234567")
    assert "u" not in ru and "u" not in gb
    for region in ("DE", "TR", "CN", "JP", "KZ"):
        (c,) = country_masks([region])
        for kind in range(11):
            num = phonenumbers.example_number_for_type(region, kind)
            if num is None or phonenumbers.region_code_for_number(num) != region:
                continue
            nsn = phonenumbers.national_significant_number(num)
            shown = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            assert bool(c.get("u") and re.fullmatch(c["u"], nsn)) == (shown == f"+{c['c']} {nsn}"), nsn
