"""SMS segment counting: GSM-7 160/153, UCS-2 70/67, extension characters and surrogates."""
from __future__ import annotations

import pytest

from flask_phonecapture.messaging.segments import (GSM7, UCS2, count_segments, encoding,
                                                   non_gsm7_chars, segment_info)


@pytest.mark.parametrize("length, segments", [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3),
                                              (459, 3), (460, 4)])
def test_gsm7_text_fits_160_alone_and_153_per_part(length, segments):
    assert count_segments("a" * length) == segments


@pytest.mark.parametrize("length, segments", [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_cyrillic_is_ucs2_with_70_alone_and_67_per_part(length, segments):
    text = "Ж" * length
    assert encoding(text) == UCS2
    assert count_segments(text) == segments


def test_extension_table_characters_count_double():
    info = segment_info("€" * 80)
    assert (info.encoding, info.units, info.segments) == (GSM7, 160, 1)
    assert count_segments("{" * 81) == 2
    assert segment_info("a^b").units == 4


def test_an_escape_pair_is_never_split_across_parts():
    text = "a" * 152 + "€" + "a" * 152   # 306 septets, but the € cannot straddle parts
    assert segment_info(text).units == 306
    assert count_segments(text) == 3


def test_emoji_take_two_ucs2_units_and_are_not_split():
    assert segment_info("😀" * 35).segments == 1
    assert segment_info("😀" * 36).segments == 2
    assert count_segments("a" * 66 + "😀" + "a" * 66) == 3  # 134 units, pair moved whole


def test_one_non_gsm_character_turns_the_whole_message_ucs2():
    text = "Your code is 1234. Reply STOP to opt out" + "ё"
    assert encoding(text) == UCS2
    assert non_gsm7_chars(text) == ["ё"]
    assert non_gsm7_chars("Ваш код") == ["В", "а", "ш", "к", "о", "д"]


def test_gsm7_basic_accents_and_greek_stay_gsm7():
    assert encoding("Hällo Ñoño é à ΔΩ £$¥ @ §¿¡\n") == GSM7
    assert encoding("ç") == UCS2  # only capital Ç is in the GSM table


def test_empty_text_is_zero_segments():
    info = segment_info("")
    assert (info.segments, info.remaining, info.single) == (0, 160, True)


def test_remaining_tells_how_much_room_is_left_in_the_last_part():
    assert segment_info("a" * 150).remaining == 10
    assert segment_info("a" * 170).remaining == 153 - 17
