"""The shop's one clock. Business rules take `now` as a parameter; adapters read it here.

The database keeps naive UTC datetimes (SQLite has no time zones); everything else is aware.
Time zones come from the standard library's zoneinfo: the system's zone database, else the
pinned tzdata package (never dateutil's bundled 2021 copy, whose rules are out of date)."""

from datetime import datetime, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


def zone(name: object) -> tzinfo | None:
    """The zone of an IANA name ('America/New_York'); None for an unknown or empty one."""
    key = str(name or "").strip()
    if not key:
        return None
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: not a zone key at all ("../x")
        return None


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name the database knows."""
    return frozenset(available_timezones())


def now_utc() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(timezone.utc)


def epoch_seconds() -> float:
    """Now as seconds since the epoch (session tokens, rate limits)."""
    return now_utc().timestamp()


def naive_now() -> datetime:
    """Now as the database stores it: naive UTC."""
    return now_utc().replace(tzinfo=None)


def as_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is a bug in the caller (whose zone would it be?)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is needed, not the naive {moment!r}")
    return moment.astimezone(timezone.utc)


def naive_utc(moment: datetime) -> datetime:
    """A datetime as the database stores it; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def aware(stored: datetime) -> datetime:
    """A naive UTC datetime from the database as an aware one."""
    return stored.replace(tzinfo=timezone.utc)
