"""When a rep is busy according to their own calendar: the events of iCalendar data laid out
on the days asked (repeating ones too), as busy intervals. Plain functions, no network."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

import recurring_ical_events
from icalendar import Calendar, Component

from shop.clock import as_utc
from shop.hours import Window


def _moment(value: date | datetime, zone: tzinfo) -> datetime:
    """An event's start or end as aware UTC: a floating time or a whole day is in the rep's zone."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=zone)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return as_utc(value)


def _blocks_time(event: Component) -> bool:
    """An event marked free (TRANSP:TRANSPARENT) or cancelled leaves the rep free."""
    transparent = str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT"
    cancelled = str(event.get("STATUS", "")).upper() == "CANCELLED"
    return not (transparent or cancelled)


def busy_windows(calendars: Iterable[str | bytes], lo: datetime, hi: datetime, zone: tzinfo) -> list[Window]:
    """The intervals (aware UTC, in order) in which the events of these iCalendar objects keep
    the rep busy within [lo, hi). Repeating events are laid out with their exceptions; events
    marked free or cancelled are left out; a whole-day event fills that day in `zone` (the
    rep's), and so does a floating time. ValueError when the data is not iCalendar."""
    lo, hi = as_utc(lo), as_utc(hi)
    busy = []
    for text in calendars:
        calendar = Calendar.from_ical(text)
        for event in recurring_ical_events.of(calendar).between(lo, hi):
            if not _blocks_time(event):
                continue
            start, end = _moment(event.start, zone), _moment(event.end, zone)
            if end <= start and not isinstance(event.start, datetime):
                end = start + timedelta(days=1)  # a whole day given by its start alone
            if start < hi and end > lo and end > start:
                busy.append((max(start, lo), min(end, hi)))
    return sorted(busy)
