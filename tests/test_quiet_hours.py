"""Quiet hours in the recipient's local time, across time zones, with frozen clocks."""
from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from flask_phonecapture.messaging import quiet_hours as qh

MOSCOW = "+74951234567"        # Europe/Moscow, UTC+3 all year
VLADIVOSTOK = "+74232123456"   # Asia/Vladivostok, UTC+10 all year
NEW_YORK = "+12125551234"      # America/New_York, UTC-5 / UTC-4 in summer
RU_MOBILE = "+79123456789"     # not geographic: every Russian zone, UTC+2..UTC+12


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_zones_come_from_phonenumbers_timezone_data():
    assert qh.zones_for(MOSCOW) == ("Europe/Moscow",)
    assert qh.zones_for(VLADIVOSTOK) == ("Asia/Vladivostok",)
    assert qh.zones_for(NEW_YORK) == ("America/New_York",)
    assert len(qh.zones_for(RU_MOBILE)) > 10


@pytest.mark.parametrize("number, now, expected", [
    # Moscow: 09:00-21:00 MSK is 06:00-18:00 UTC
    (MOSCOW, utc(2025, 1, 15, 12, 0), utc(2025, 1, 15, 12, 0)),
    (MOSCOW, utc(2025, 1, 15, 5, 59), utc(2025, 1, 15, 6, 0)),
    (MOSCOW, utc(2025, 1, 15, 18, 0), utc(2025, 1, 16, 6, 0)),   # 21:00 sharp is closed
    (MOSCOW, utc(2025, 1, 15, 23, 30), utc(2025, 1, 16, 6, 0)),
    # Vladivostok: 09:00-21:00 VLAT is 23:00 (previous day)-11:00 UTC
    (VLADIVOSTOK, utc(2025, 1, 15, 12, 0), utc(2025, 1, 15, 23, 0)),
    (VLADIVOSTOK, utc(2025, 1, 15, 23, 30), utc(2025, 1, 15, 23, 30)),
    (VLADIVOSTOK, utc(2025, 1, 16, 10, 59), utc(2025, 1, 16, 10, 59)),
    # New York in winter: 09:00-21:00 EST is 14:00-02:00 UTC
    (NEW_YORK, utc(2025, 1, 15, 12, 0), utc(2025, 1, 15, 14, 0)),
    (NEW_YORK, utc(2025, 1, 16, 1, 30), utc(2025, 1, 16, 1, 30)),
    (NEW_YORK, utc(2025, 1, 16, 2, 0), utc(2025, 1, 16, 14, 0)),
    # ... and in summer (EDT, UTC-4): 13:00-01:00 UTC
    (NEW_YORK, utc(2025, 7, 1, 12, 0), utc(2025, 7, 1, 13, 0)),
])
def test_message_due_at_night_waits_for_the_next_local_morning(number, now, expected):
    assert qh.next_allowed(number, now) == expected


def test_the_same_utc_moment_is_day_in_moscow_and_night_in_vladivostok():
    now = utc(2025, 3, 10, 13, 0)   # 16:00 in Moscow, 23:00 in Vladivostok
    assert not qh.is_quiet(MOSCOW, now)
    assert qh.is_quiet(VLADIVOSTOK, now)
    assert qh.next_allowed(VLADIVOSTOK, now) == utc(2025, 3, 10, 23, 0)


def test_number_in_many_zones_only_goes_out_when_it_is_day_in_all_of_them():
    # latest morning start: 09:00 at UTC+2 = 07:00 UTC; earliest end: 21:00 at UTC+12 = 09:00 UTC
    assert qh.next_allowed(RU_MOBILE, utc(2025, 1, 15, 3, 0)) == utc(2025, 1, 15, 7, 0)
    assert qh.next_allowed(RU_MOBILE, utc(2025, 1, 15, 8, 0)) == utc(2025, 1, 15, 8, 0)
    assert qh.next_allowed(RU_MOBILE, utc(2025, 1, 15, 9, 0)) == utc(2025, 1, 16, 7, 0)


def test_zones_without_shared_daytime_fall_back_to_one_zone():
    zones = ["Asia/Kamchatka", "Europe/London"]   # UTC+12 and UTC+0: windows only touch
    now = utc(2025, 1, 15, 12, 0)
    assert qh.next_allowed_in_zones(zones, now) == utc(2025, 1, 15, 21, 0)   # 09:00 at +12
    assert qh.next_allowed_in_zones(zones, now, fallback_zone="Europe/London") == now


def test_window_is_configurable_per_sequence():
    now = utc(2025, 1, 15, 16, 30)   # 19:30 in Moscow
    assert qh.next_allowed(MOSCOW, now, "10:00-19:00") == utc(2025, 1, 16, 7, 0)
    assert qh.next_allowed(MOSCOW, now, (time(8), time(22))) == now


def test_window_may_cross_midnight():
    # a night-shift window 22:00-06:00 Moscow time is 19:00-03:00 UTC
    assert qh.next_allowed(MOSCOW, utc(2025, 1, 15, 12, 0), "22:00-06:00") == utc(2025, 1, 15, 19, 0)
    assert qh.next_allowed(MOSCOW, utc(2025, 1, 16, 1, 0), "22:00-06:00") == utc(2025, 1, 16, 1, 0)


def test_equal_start_and_end_means_no_quiet_hours():
    now = utc(2025, 1, 15, 23, 0)
    assert qh.next_allowed(MOSCOW, now, "00:00-00:00") == now


def test_spring_forward_morning_is_computed_in_local_wall_time():
    # US DST starts 2025-03-09: 09:00 EDT that day is 13:00 UTC (not 14:00)
    assert qh.next_allowed(NEW_YORK, utc(2025, 3, 9, 6, 0)) == utc(2025, 3, 9, 13, 0)


def test_unknown_numbers_use_the_default_zone():
    unknown = "+15551234567"   # not a valid number: phonenumbers gives Etc/Unknown
    assert qh.zones_for(unknown) == ()
    assert qh.next_allowed(unknown, utc(2025, 1, 15, 3, 0)) == utc(2025, 1, 15, 9, 0)
    assert qh.next_allowed(unknown, utc(2025, 1, 15, 3, 0), default_zone="Europe/Moscow") == \
        utc(2025, 1, 15, 6, 0)


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        qh.next_allowed(MOSCOW, datetime(2025, 1, 15, 12, 0))


def test_bad_window_text_is_refused():
    with pytest.raises(ValueError, match="09:00-21:00"):
        qh.next_allowed(MOSCOW, utc(2025, 1, 15), "nine to nine")


def test_preload_loads_once_and_is_idempotent():
    qh.preload()
    assert qh.is_preloaded()
    qh.preload()
    assert qh.next_allowed(MOSCOW, utc(2025, 1, 15, 12, 0)) == utc(2025, 1, 15, 12, 0)
