"""netutil.scrub: a phone number pasted into a URL, a utm tag or a staff reason never survives it,
whatever separates its digits; click ids, dates and product paths do."""
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from flask_phonecapture.netutil import scrub


@pytest.mark.parametrize("text", [
    "call_8_912_345_67_89",                  # utm_content written by a campaign tool
    "8~912~345~67~89",
    "/callback/89123456789/",                # a number in a URL path
    "+7%20912%20345%2067%2089",
    "8 (912) 345\u201367\u201389",           # typographic dashes from a messenger
    "phone=%2B79123456789",
])
def test_a_number_with_any_common_separator_becomes_phone(text):
    scrubbed = scrub(text, 200)
    assert "[phone]" in scrubbed
    assert "345" not in scrubbed and "67" not in scrubbed.replace("[phone]", "")


@pytest.mark.parametrize("text", [
    "9876543210987654321",                   # a 19-digit yclid
    "/blog/2026/11/29/sale",                 # a dated path
    "/product/1234/5678",
    "spring_2026_v2",
    "EAIaIQobChMI_123456",                   # a gclid fragment
])
def test_click_ids_dates_and_paths_survive(text):
    assert scrub(text, 200) == text


def test_scrub_cuts_to_the_limit_and_drops_nul():
    assert scrub("a\x00b" * 10, 5) == "ababa"
    assert scrub(None, 5) is None


@pytest.mark.parametrize("text, expected", [
    ("/orders/12/89123456789", "/orders/12/[phone]"),
    ("/blog/2026/11/29/8-912-345-67-89/", "/blog/2026/11/29/[phone]/"),
    ("call_8_912_345_67_89_promo", "call_[phone]_promo"),
    ("%2B7%20912%20345%2067%2089%2Fnext", "[phone]%2Fnext"),
    ("2026-03-01-89123456789", "2026-03-01-[phone]"),
])
def test_a_number_inside_a_longer_digit_run_is_blanked_and_the_rest_kept(text, expected):
    assert scrub(text, 200) == expected


def test_a_dated_path_is_no_number_even_where_its_digits_would_dial():
    # 202-603-0117 would be a valid US number: "/" is no separator, so the date stays
    assert scrub("/2026/03/01/17", 200, "US") == "/2026/03/01/17"


def test_hostile_runs_of_short_groups_are_blanked_once_the_parse_budget_is_spent(monkeypatch):
    # "1-1-1-…" has thousands of windows to try; past the budget a run is blanked, never searched on
    import phonenumbers

    calls = []
    real = phonenumbers.parse
    monkeypatch.setattr(phonenumbers, "parse", lambda *a, **k: calls.append(1) or real(*a, **k))
    text = "x".join(["1-" * 30] * 200)
    scrubbed = scrub(text, 20000)
    assert len(calls) <= 2 * 300
    assert scrubbed.startswith("1-1-1-") and scrubbed.endswith("[phone]-")


def test_of_two_numbers_as_long_the_one_read_as_written_wins():
    # "22 8912345 67" is also a valid +228 (Togo) number: the Russian number as typed is the one blanked
    assert scrub("id=22-8-912-345-67-89", 200) == "id=22-[phone]"


_SEPARATORS = [" ", "-", "_", "~", ".", "%20", "\u2013", ""]
_AROUND = ["", "/p/", "id=", "/blog/2026/11/29/", "/o/12/", "call_", "x"], ["", "/", "_promo", "/next/3", "&a=1"]


@settings(max_examples=300, derandomize=True, suppress_health_check=list(HealthCheck))
@given(tail=st.text("0123456789", min_size=7, max_size=7), lead=st.sampled_from(["8", "+7", "7", "%2B7"]),
       seps=st.lists(st.sampled_from(_SEPARATORS), min_size=4, max_size=4),
       before=st.sampled_from(_AROUND[0]), after=st.sampled_from(_AROUND[1]))
def test_a_russian_mobile_written_any_way_inside_a_url_loses_its_last_digits(tail, lead, seps, before, after):
    nsn = "912" + tail
    parts = [lead, nsn[:3], nsn[3:6], nsn[6:8], nsn[8:]]
    text = before + parts[0] + "".join(sep + part for sep, part in zip(seps, parts[1:])) + after
    scrubbed = scrub(text, 500)
    left = re.sub(r"\D", "", re.sub(r"%2[0B]", "", scrubbed))
    assert "[phone]" in scrubbed and nsn[-4:] not in left.replace(re.sub(r"\D", "", before), "", 1), scrubbed
