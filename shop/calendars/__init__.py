"""The reps' own calendars over CalDAV (seed/calendars.yml): when a rep is busy there, and the
meetings booked in the chat written there and taken out again. A rep without a calendar listed
has no calls made (the shop database alone says when they are free)."""

from datetime import datetime, tzinfo

import yaml

from shop import settings
from shop.calendars.busy import busy_windows
from shop.calendars.caldav import CalDAVCalendar, CalendarUnavailable
from shop.calendars.config import load_accounts
from shop.hours import Window
from shop.models import Rep

__all__ = ["CalendarUnavailable", "remove_meeting", "rep_busy", "write_meeting"]


def calendar_of(rep: Rep) -> CalDAVCalendar | None:
    """The rep's CalDAV calendar, or None when the rep has none listed."""
    try:
        account = load_accounts().get((rep.email or "").lower())
    except (OSError, ValueError, yaml.YAMLError) as error:  # a broken file: said, not a crash
        raise CalendarUnavailable(f"{settings.rep_calendars_path()}: {error}") from error
    if account is None:
        return None
    if not account.password:
        raise CalendarUnavailable(f"calendar of {rep.email}: {account.password_env} is not set")
    return CalDAVCalendar(account.url, account.username, account.password, settings.caldav_timeout())


def rep_busy(rep: Rep, zone: tzinfo, lo: datetime, hi: datetime) -> list[Window]:
    """The intervals within [lo, hi) that the rep's own calendar keeps busy; [] for a rep
    without one. CalendarUnavailable when it cannot be read."""
    calendar = calendar_of(rep)
    if calendar is None:
        return []
    found = calendar.events_between(lo, hi)
    try:
        return busy_windows(found, lo, hi, zone)
    except ValueError as error:  # the server answered with something that is not iCalendar
        raise CalendarUnavailable(f"calendar of {rep.email}: unreadable event data ({error})") from error


def write_meeting(rep: Rep, uid: str, ics: str) -> None:
    """The meeting's event in the rep's calendar, created or replaced (none without a calendar)."""
    calendar = calendar_of(rep)
    if calendar is not None:
        calendar.put_event(uid, ics)


def remove_meeting(rep: Rep, uid: str) -> None:
    """The meeting's event taken out of the rep's calendar (none without a calendar)."""
    calendar = calendar_of(rep)
    if calendar is not None:
        calendar.delete_event(uid)
