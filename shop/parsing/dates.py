"""Turn what a customer says about when to meet into a time window in their zone, or nothing.

Pure functions: the caller passes `now` and the customer's zone, so every answer is reproducible.
Wall-clock times are always built from a local date and a clock time in the zone (never an aware
datetime plus a timedelta), so "monday at 10am" stays 10:00 across a daylight-saving change.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache

from dateutil import tz as dateutil_tz
from dateutil.relativedelta import relativedelta

from shop import clock
from shop.parsing.numbers import CARDINALS

WORKDAY = (time(9), time(17))
PERIODS = {
    "morning": (time(9), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(19)),
    "tonight": (time(17), time(19)),
}
EXACT_LENGTH = timedelta(minutes=30)
ASAP_SPAN = timedelta(days=2)

_DAY_NAMES = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_MONTH_NAMES = "January February March April May June July August September October November December".split()
# No "sat"/"sun": too common as ordinary words ("sat down", "in the sun").
_WEEKDAYS = {
    **{n.lower(): i for i, n in enumerate(_DAY_NAMES)},
    **{n[:3].lower(): i for i, n in enumerate(_DAY_NAMES[:5])},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_MONTHS = {
    **{n.lower(): i + 1 for i, n in enumerate(_MONTH_NAMES)},
    **{n[:3].lower(): i + 1 for i, n in enumerate(_MONTH_NAMES)},
    "sept": 9,
}
_COUNTS = {
    "a": 1,
    "an": 1,
    **{word: n for word, n in CARDINALS.items() if n},
    "a couple of": 2,
    "couple of": 2,
    "a couple": 2,
    "a few": 3,
    "few": 3,
    "half an": 0.5,
}


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MONTH = _alternatives(_MONTHS)
_RELATIVE_RE = re.compile(
    rf"\b(in\s+)?(\d+|{_alternatives(_COUNTS)})\s+"
    r"(minute|min|hour|hr|day|week|month)s?\b(\s+from\s+(?:now|today))?"
)
_ASAP_RE = re.compile(r"\b(asap|as soon as possible|right away|right now|immediately)\b")
_NOW_RE = re.compile(r"\bnow\b")  # weaker: only when nothing else names a time ("tomorrow, busy now")
_WEEK_RE = re.compile(r"\b(next|this)\s+week\b")
_MONTH_END_RE = re.compile(r"\bend\s+of\s+(?:the\s+|this\s+)?month\b")
_MONTH_DAY_RE = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?")
_DAY_MONTH_RE = re.compile(rf"(?<!at )\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\b\.?(?:,?\s+(\d{{4}})\b)?")
_ORDINAL_RE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
_WEEKDAY_RE = re.compile(rf"\b(?:(next|this|coming)\s+)?({_alternatives(_WEEKDAYS)})\b")
_NAMED_DAY_RE = re.compile(r"\b(day after tomorrow|tomorrow|tomorow|tmrw|tmr|today)\b")
_PERIOD_RE = re.compile(r"\b(morning|afternoon|evening|tonight)\b")
_NOON_RE = re.compile(r"\b(noon|midday|mid-day)\b")
_AMPM_RE = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?m\b\.?")
_CLOCK_RE = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_AT_RE = re.compile(
    r"(?:\b(?:at|around|about|by)|@)\s*(\d{1,2})(?:\.(\d{2}))?\b"
    r"(?![/%$]|\s*(?:st|nd|rd|th)\b)"
)
_OCLOCK_RE = re.compile(r"\b(\d{1,2})\s*o'?\s?clock\b")


@dataclass(frozen=True)
class TimeRequest:
    """When a customer wants a meeting: a window [start, end) in their time zone (aware datetimes).
    exact=True when a precise time was given ("3pm", "10:30"): then end = start + 30 minutes."""

    start: datetime
    end: datetime
    exact: bool


def _at(day: date, clock: time, zone: tzinfo) -> datetime:
    """Wall-clock `clock` on `day` in `zone`; a time skipped by a DST jump moves forward."""
    return dateutil_tz.resolve_imaginary(datetime.combine(day, clock, tzinfo=zone))


def _plus(moment: datetime, delta: timedelta, zone: tzinfo) -> datetime:
    """Elapsed-time arithmetic (through UTC): 30 minutes are 30 real minutes, even across DST."""
    return (moment.astimezone(timezone.utc) + delta).astimezone(zone)


def _later(a: datetime, b: datetime) -> bool:
    """Compare instants: `>` on two datetimes sharing a tzinfo ignores `fold` in the repeated DST hour."""
    return a.timestamp() > b.timestamp()


def _take(pattern: re.Pattern, text: str) -> tuple[re.Match | None, str]:
    """The first match and the text with it blanked out, so later patterns cannot reuse it."""
    match = pattern.search(text)
    if not match:
        return None, text
    return match, text[: match.start()] + " " * len(match.group()) + text[match.end() :]


def _hour(hour: int, minute: int, ampm: str | None, period: str | None, literal: bool) -> time | None:
    """A clock time; a bare hour 1-7 means pm (8-12 as said), unless a part of day says otherwise."""
    if minute > 59 or hour > 23 or (ampm and not 1 <= hour <= 12):
        return None
    if ampm:
        hour = hour % 12 + (12 if ampm == "p" else 0)
    elif (not literal and hour < 12 and period in ("afternoon", "evening", "tonight")) or (
        not literal and 1 <= hour <= 7 and period != "morning"
    ):
        hour += 12
    return time(hour, minute)


def _clock(text: str, period: str | None) -> tuple[time | None, bool]:
    """(the time of day that was said, whether anything looking like one was said)."""
    if _NOON_RE.search(text):
        return time(12), True
    match = _AMPM_RE.search(text)
    if match:
        return _hour(int(match.group(1)), int(match.group(2) or 0), match.group(3), period, False), True
    for pattern in (_CLOCK_RE, _AT_RE, _OCLOCK_RE):
        match = pattern.search(text)
        if match:  # "09:30" with a leading zero is a 24-hour time, taken literally
            minute = int(match.group(2) or 0) if pattern.groups > 1 else 0
            return _hour(int(match.group(1)), minute, None, period, match.group(1).startswith("0")), True
    return None, False


def _count(word: str) -> float:
    return float(word) if word.isdigit() else _COUNTS[word]


def _next_week(today: date, zone: tzinfo) -> TimeRequest:
    monday = today + timedelta(days=7 - today.weekday())
    friday = monday + timedelta(days=4)
    return TimeRequest(_at(monday, WORKDAY[0], zone), _at(friday, WORKDAY[1], zone), False)


def _month_days(start: date, day_of_month: int) -> Iterator[date]:
    """That day of the month, this month first, skipping months that do not have it."""
    first = start.replace(day=1)
    for k in range(13):
        month = first + relativedelta(months=k)
        if (month + relativedelta(day=31)).day >= day_of_month:
            yield month.replace(day=day_of_month)


def _year_days(year: int, month: int, day_of_month: int, years: int) -> Iterator[date]:
    for k in range(years):
        try:
            yield date(year + k, month, day_of_month)
        except ValueError:  # 29 February outside a leap year, 31 April
            continue


def parse_time_request(text: str, now: datetime, tz: tzinfo) -> TimeRequest | None:
    """None when the text names no date/time. `now` is aware (any zone); results are in `tz`."""
    s = " " + re.sub(r"[\s,;!?()\"]+", " ", str(text or "").lower().replace("’", "'")) + " "
    local_now = now.astimezone(tz)
    today = local_now.date()

    match, s = _take(_RELATIVE_RE, s)
    day: date | None = None
    candidates: Iterator[date] | None = None  # the days to try, first one still ahead wins
    if match and (match.group(1) or match.group(4)):
        amount, unit = _count(match.group(2)), match.group(3)
        if unit in ("minute", "min", "hour", "hr"):
            delta = timedelta(minutes=amount) if unit.startswith("min") else timedelta(hours=amount)
            moment = _plus(now, delta, tz)  # then up to the next half hour on the local clock
            over = timedelta(minutes=moment.minute % 30, seconds=moment.second, microseconds=moment.microsecond)
            start = _plus(moment, timedelta(minutes=30) - over, tz) if over else moment
            return TimeRequest(start, _plus(start, EXACT_LENGTH, tz), True)
        if unit == "month":
            day = today + relativedelta(months=int(amount))
        else:
            day = today + timedelta(days=int(amount * (7 if unit == "week" else 1)))
    if _ASAP_RE.search(s):
        return TimeRequest(local_now, _plus(local_now, ASAP_SPAN, tz), False)
    match = _WEEK_RE.search(s)
    if match:
        friday = today + timedelta(days=4 - today.weekday())
        end = _at(friday, WORKDAY[1], tz)
        # "this week" said at the weekend means next week
        if match.group(1) == "next" or not _later(end, local_now):
            return _next_week(today, tz)
        return TimeRequest(local_now, end, False)

    period_match = _PERIOD_RE.search(s)
    period = period_match.group(1) if period_match else None
    clock, said_clock = _clock(s, period)
    if said_clock and clock is None:
        return None  # "13pm", "25:00": a time that cannot be

    match, s = _take(_MONTH_END_RE, s)
    if match:
        month_ends = [today + relativedelta(months=k, day=31) for k in (0, 1)]  # then next month's
        candidates = iter([end - timedelta(days=max(0, end.weekday() - 4)) for end in month_ends])
    for pattern, month_group, day_group in ((_MONTH_DAY_RE, 1, 2), (_DAY_MONTH_RE, 2, 1)):
        match, s = _take(pattern, s) if candidates is None and day is None else (None, s)
        if match:
            month, day_of_month = _MONTHS[match.group(month_group)], int(match.group(day_group))
            year = int(match.group(3) or today.year)
            candidates = _year_days(year, month, day_of_month, 1 if match.group(3) else 9)
    if candidates is None and day is None:
        match, s = _take(_ORDINAL_RE, s)
        if match and 1 <= int(match.group(1)) <= 31:
            candidates = _month_days(today, int(match.group(1)))
    match, s = _take(_WEEKDAY_RE, s)
    if match and candidates is None and day is None:
        ahead = (_WEEKDAYS[match.group(2)] - today.weekday()) % 7
        modifier = match.group(1)
        if ahead == 0 and (modifier in ("next", "coming") or (not modifier and not clock and not period)):
            ahead = 7  # "next tuesday" said on a Tuesday; a bare "friday" said on a Friday
        candidates = iter([today + timedelta(days=ahead), today + timedelta(days=ahead + 7)])
    match, s = _take(_NAMED_DAY_RE, s)
    if match and candidates is None and day is None:
        day = today + timedelta(days={"today": 0, "day after tomorrow": 2}.get(match.group(1), 1))

    if candidates is None:
        if day is not None:
            candidates = iter([day])
        elif clock or period:  # no day given: today, or tomorrow once it has passed
            candidates = iter([today, today + timedelta(days=1)])
        elif _NOW_RE.search(s):
            return TimeRequest(local_now, _plus(local_now, ASAP_SPAN, tz), False)
        else:
            return None
    for candidate in candidates:
        if clock:
            start = _at(candidate, clock, tz)
            if _later(start, local_now):
                return TimeRequest(start, _plus(start, EXACT_LENGTH, tz), True)
            continue
        first, last = PERIODS.get(period or "", WORKDAY)
        start, end = _at(candidate, first, tz), _at(candidate, last, tz)
        if _later(end, local_now):
            return TimeRequest(start if _later(start, local_now) else local_now, end, False)
    return None  # everything named has passed: "today at 9am" said at 11:00, "March 5 2020"


_TIMEZONE_ALIASES = {
    "America/New_York": ["est", "edt", "eastern", "east coast", "new york", "nyc", "boston", "miami"],
    "America/Chicago": ["cst", "cdt", "central", "chicago", "dallas", "houston"],
    "America/Denver": ["mst", "mdt", "mountain", "denver"],
    "America/Phoenix": ["arizona", "phoenix"],
    "America/Los_Angeles": [
        "pst",
        "pdt",
        "pacific",
        "west coast",
        "los angeles",
        "san francisco",
        "seattle",
        "california",
    ],
    "Europe/London": ["london", "uk", "u.k.", "gmt", "bst", "britain", "england", "united kingdom"],
    "Europe/Berlin": ["cet", "cest", "central european", "berlin", "germany"],
    "Europe/Paris": ["paris", "france"],
    "America/Toronto": ["toronto"],
    "America/Vancouver": ["vancouver"],
    "UTC": ["utc", "zulu"],
}
_ALIAS_TO_ZONE = {alias: zone for zone, aliases in _TIMEZONE_ALIASES.items() for alias in aliases}
_ALIAS_RE = re.compile(rf"(?<![\w/])({_alternatives(_ALIAS_TO_ZONE)})(?![\w/]|[+-]\d)")
_CITY_AREAS = {"Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
_IANA_RE = re.compile(r"\b[a-z]+(?:/[a-z0-9_+\-]+)+")
_TIMEZONE_FILLER_RE = re.compile(
    r"\b(i'm|im|i am|we're|we are|based|in|on|the|my|is|it's|its|time|zone|"
    r"timezone|standard|daylight|please)\b"
)


@lru_cache(maxsize=1)
def _zone_names() -> dict:
    """Lower-case IANA name -> its spelling; a city ('tokyo', 'new york') -> its zone."""
    names = {name.lower(): name for name in clock.zone_names() if "/" in name}
    cities = {
        name.rsplit("/", 1)[1].lower().replace("_", " "): name
        for name in names.values()
        if name.split("/")[0] in _CITY_AREAS
    }
    for word in ("north", "south", "east", "west", "center"):  # Australia/North, .../North_Dakota/Center
        cities.pop(word, None)
    return {**cities, **names}


def parse_timezone(text: str) -> str | None:
    """An IANA zone name for what a customer types: 'EST'/'eastern'/'New York' -> 'America/New_York',
    'pacific' -> 'America/Los_Angeles', 'London'/'GMT' -> 'Europe/London', 'asia/tokyo' -> 'Asia/Tokyo',
    a zone database city said on its own ('Sydney'). Validated with the zone database; None if unknown."""
    s = re.sub(r"[\s,;!?()\"]+", " ", str(text or "").lower().replace("’", "'")).strip()
    iana = _IANA_RE.search(s)
    if iana and iana.group() in _zone_names():
        name = _zone_names()[iana.group()]
    else:
        alias = _ALIAS_RE.search(s)
        name = _ALIAS_TO_ZONE[alias.group(1)] if alias else None
        if name is None:  # a city the zone database names, said on its own: "tokyo", "I'm in Sydney"
            rest = re.sub(r"\s+", " ", _TIMEZONE_FILLER_RE.sub(" ", s)).strip(" .")
            name = _zone_names().get(rest)
    return name if name and clock.zone(name) is not None else None


def describe(dt: datetime) -> str:
    """'Tuesday 24 November, 3:00 PM EST' — how a time reads in a chat message
    (12-hour clock, zone abbreviation)."""
    clock = f"{dt.hour % 12 or 12}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"
    text = f"{_DAY_NAMES[dt.weekday()]} {dt.day} {_MONTH_NAMES[dt.month - 1]}, {clock} {dt.tzname() or ''}"
    return text.strip()


def describe_request(wanted: TimeRequest) -> str:
    """How a wished time reads back to the customer: 'Tuesday 24 November at 3:00 PM',
    'Thursday 26 November, morning', 'Monday 23 to Friday 27 November' (no zone: it is theirs)."""
    start, end = wanted.start, wanted.end
    day = f"{_DAY_NAMES[start.weekday()]} {start.day} {_MONTH_NAMES[start.month - 1]}"
    if wanted.exact:
        return f"{day} at {start.hour % 12 or 12}:{start.minute:02d} {'AM' if start.hour < 12 else 'PM'}"
    last = (end - timedelta(microseconds=1)).date()
    if last != start.date():
        end_day = f"{_DAY_NAMES[last.weekday()]} {last.day} {_MONTH_NAMES[last.month - 1]}"
        return f"{day} to {end_day}"
    for period, (begin, finish) in PERIODS.items():
        if (start.time(), end.time()) == (begin, finish):
            return f"{day}, {period}"
    return day
