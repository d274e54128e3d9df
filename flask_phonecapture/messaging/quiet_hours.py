"""When a message may go out in the recipient's local time. Pure, apart from a load-once cache.

``next_allowed(e164, now)`` returns ``now`` when every time zone the number may be in is
inside the window (default 09:00-21:00 local), otherwise the first moment after ``now``
when they all are. Time zones come from ``phonenumbers.timezone.time_zones_for_number``.

A number can map to several zones: Russian mobile numbers are not geographic and map to
every zone from UTC+2 to UTC+12, US toll-free numbers to all of North America and the
Pacific. Then only the moments that are daytime in *every* zone are allowed (the latest
morning start and the earliest evening end), computed as an intersection of UTC
intervals, so DST changes and windows that cross midnight are handled. When the zones
share no daytime at all (a spread of more than 12 hours), ``fallback_zone`` (default: the
first zone listed) decides alone. Unknown numbers use ``default_zone`` (default UTC).

``preload()`` loads phonenumbers' metadata and time-zone tables and the zoneinfo data of
every zone they name; the worker calls it once at start so no send pays for it.
"""
from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Iterable
from zoneinfo import ZoneInfo

DEFAULT_WINDOW = (time(9, 0), time(21, 0))
UNKNOWN_ZONE = "Etc/Unknown"

_lock = threading.Lock()
_loaded = False


def preload() -> None:
    """Load phonenumbers' region metadata, its time-zone map and every named zone, once."""
    global _loaded
    with _lock:
        if _loaded:
            return
        import phonenumbers  # noqa: F401 - imported for its side effect of loading
        from phonenumbers.phonemetadata import PhoneMetadata
        from phonenumbers.tzdata import TIMEZONE_DATA

        PhoneMetadata.load_all()
        for zones in TIMEZONE_DATA.values():
            for name in zones:
                _zone(name)
        _loaded = True


def is_preloaded() -> bool:
    return _loaded


@lru_cache(maxsize=None)
def _zone(name: str) -> ZoneInfo | None:
    if name == UNKNOWN_ZONE:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return None


def zones_for(e164: str) -> tuple[str, ...]:
    """IANA zone names for a number (possibly several); () when phonenumbers does not know.

    Not cached per number on purpose: a worker should not keep a list of recent numbers in
    memory, and the lookup costs microseconds once :func:`preload` has run.
    """
    import phonenumbers
    from phonenumbers.timezone import time_zones_for_number

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ()
    return tuple(z for z in time_zones_for_number(number) if _zone(z) is not None)


def parse_window(window: str | tuple[time, time] | None) -> tuple[time, time]:
    """``"09:00-21:00"`` or ``(time, time)`` -> ``(time, time)``; None means the default."""
    if window is None:
        return DEFAULT_WINDOW
    if isinstance(window, str):
        try:
            start, end = (time.fromisoformat(part.strip()) for part in window.split("-"))
        except ValueError:
            raise ValueError(f"quiet-hours window {window!r} is not like '09:00-21:00'") from None
        return start, end
    start, end = window
    return start, end


def _intervals(zone: ZoneInfo, window: tuple[time, time], around: date
               ) -> list[tuple[datetime, datetime]]:
    """The window, as UTC intervals, for local dates around ``around``."""
    start, end = window
    out = []
    for offset in range(-2, 4):
        day = around + timedelta(days=offset)
        begin = datetime.combine(day, start, zone)
        finish = datetime.combine(day + timedelta(days=1) if end <= start else day, end, zone)
        out.append((begin.astimezone(timezone.utc), finish.astimezone(timezone.utc)))
    return out


def _intersect(a: list[tuple[datetime, datetime]], b: list[tuple[datetime, datetime]]
               ) -> list[tuple[datetime, datetime]]:
    out = []
    for a0, a1 in a:
        for b0, b1 in b:
            lo, hi = max(a0, b0), min(a1, b1)
            if lo < hi:
                out.append((lo, hi))
    return sorted(out)


def _first_allowed(intervals: list[tuple[datetime, datetime]], now: datetime) -> datetime | None:
    for lo, hi in intervals:
        if hi > now:
            return max(lo, now)
    return None


def next_allowed_in_zones(zone_names: Iterable[str], now: datetime,
                          window: str | tuple[time, time] | None = None, *,
                          fallback_zone: str | None = None) -> datetime:
    """Like :func:`next_allowed`, for explicit zone names."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    now = now.astimezone(timezone.utc)
    win = parse_window(window)
    if win[0] == win[1]:
        return now  # a window of 24 hours: never quiet
    zones = [z for z in (_zone(name) for name in zone_names) if z is not None]
    if not zones:
        zones = [ZoneInfo("UTC")]
    around = now.date()
    common = _intervals(zones[0], win, around)
    for zone in zones[1:]:
        common = _intersect(common, _intervals(zone, win, around))
        if not common:
            break
    found = _first_allowed(common, now)
    if found is None:  # the zones share no daytime: one zone decides
        zone = (_zone(fallback_zone) if fallback_zone else None) or zones[0]
        found = _first_allowed(_intervals(zone, win, around), now)
    # six consecutive daily windows always hold one that ends after now
    return found if found is not None else now


def next_allowed(e164: str, now: datetime, window: str | tuple[time, time] | None = None, *,
                 default_zone: str = "UTC", fallback_zone: str | None = None) -> datetime:
    """``now`` if the recipient is inside the window, else the next window start (UTC)."""
    zones = zones_for(e164) or (default_zone,)
    return next_allowed_in_zones(zones, now, window, fallback_zone=fallback_zone)


def is_quiet(e164: str, now: datetime, window: str | tuple[time, time] | None = None, *,
             default_zone: str = "UTC") -> bool:
    """True when a marketing message to this number must wait."""
    return next_allowed(e164, now, window, default_zone=default_zone) > now.astimezone(timezone.utc)
