"""Opening hours kept as weekly wall-clock windows in a time zone (seed/sales_team.yml, seed/inbox.yml):
validated, laid out on days, and asked whether a moment is inside. Shared by the sales
meetings and the inbox's teams."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from dateutil import tz as dateutil_tz

from shop.clock import as_utc, zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Window = tuple[datetime, datetime]


def zone_of(name: str | None) -> tzinfo | None:
    """The tzinfo of an IANA zone name, or None for an unknown (or empty) name."""
    return zone(name)


def _parse_clock(value: Any) -> tuple[int, int]:
    text = str(value).strip()
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"working hours need HH:MM times, not {value!r}")
    clock = (int(hours), int(minutes))
    if not (clock <= (24, 0) and clock[1] < 60):
        raise ValueError(f"no such time of day: {value!r}")
    return clock


def _day_ranges(value: Any) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """["09:00", "17:00"], or a list of such pairs for a split day; None or [] for a day off."""
    if not value:
        return []
    pairs = [value] if isinstance(value[0], str) else list(value)
    ranges = []
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"working hours are [start, end] pairs, not {pair!r}")
        start, end = _parse_clock(pair[0]), _parse_clock(pair[1])
        if end <= start:
            raise ValueError(f"working hours end before they start: {pair!r}")
        ranges.append((start, end))
    return sorted(ranges)


def normalize_working_hours(raw: dict[str, Any]) -> dict[str, Any]:
    """Validated working hours, as stored in Rep.working_hours (ValueError when malformed)."""
    if not isinstance(raw, dict):
        raise ValueError("working_hours must map weekdays (mon..sun) to [start, end]")
    hours = {}
    for day, value in raw.items():
        key = str(day).strip().lower()[:3]
        if key not in WEEKDAYS:
            raise ValueError(f"unknown weekday in working hours: {day!r}")
        _day_ranges(value)
        if value:
            hours[key] = (
                [str(v) for v in value] if isinstance(value[0], str) else [[str(v) for v in pair] for pair in value]
            )
    return {day: hours[day] for day in WEEKDAYS if day in hours}


# --------------------------------------------------------------------------- time helpers


def _wall_clock(day: date, clock: tuple[int, int], zone: tzinfo) -> datetime:
    """`clock` on `day` in `zone`; 24:00 is the next midnight, and a time skipped by a DST jump
    moves forward."""
    hours, minutes = clock
    if hours == 24:
        day, hours = day + timedelta(days=1), 0
    return dateutil_tz.resolve_imaginary(datetime.combine(day, time(hours, minutes), tzinfo=zone))


def day_windows(zone: tzinfo, hours: dict[str, Any], day: date) -> list[Window]:
    """The windows of weekly `hours` (in `zone`) on `day`, as aware datetimes in `zone`."""
    ranges = _day_ranges(hours.get(WEEKDAYS[day.weekday()]))
    return [(_wall_clock(day, start, zone), _wall_clock(day, end, zone)) for start, end in ranges]


def windows_between(zone: tzinfo, hours: dict[str, Any], lo: datetime, hi: datetime) -> Iterable[Window]:
    """The windows of weekly `hours` (in UTC) that overlap [lo, hi), in order."""
    day = lo.astimezone(zone).date() - timedelta(days=1)
    last = hi.astimezone(zone).date()
    while day <= last:
        for start, end in day_windows(zone, hours, day):
            start, end = as_utc(start), as_utc(end)
            if start < hi and end > lo:
                yield start, end
        day += timedelta(days=1)


def hours_open_at(zone: tzinfo, hours: dict[str, Any], moment: datetime) -> bool:
    """Whether `moment` falls inside weekly `hours` kept in `zone`."""
    moment = as_utc(moment)
    return any(True for _ in windows_between(zone, hours, moment, moment + timedelta(seconds=1)))


def hours_next_open(zone: tzinfo, hours: dict[str, Any], moment: datetime, search_days: int = 14) -> datetime | None:
    """`moment` when inside `hours`, else the next window's start (aware UTC); None if none soon."""
    moment = as_utc(moment)
    for start, end in windows_between(zone, hours, moment, moment + timedelta(days=search_days)):
        return moment if start <= moment < end else start
    return None
