"""Meetings with the sales team: free slots, booking, rescheduling, and a customer's booking found,
moved or cancelled by its reference and email (hours: shop.hours; closed dates:
shop.closed_dates; the reps' own calendars: shop.calendars; invites: shop.invites).

Reps work in their own time zone (seed/sales_team.yml); working hours are wall-clock times built
with the zone's tzinfo, so 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
Meetings are 30 minutes and start on the UTC half-hour grid, so two meetings of one rep overlap
only when they start at the same moment, and the database's partial unique index (one live
booking per rep and start) makes a double booking impossible, even between two servers.

A rep is free when their working hours say so, the day is not closed, the shop database has no
live booking then and, for a rep with a CalDAV calendar (seed/calendars.yml), nothing in that
calendar keeps them busy. A booking is written to the rep's calendar too, in the same step: when
the calendar cannot be reached, nothing is booked, moved or cancelled (CalendarUnavailable) and
the caller says so, rather than promise a time the rep may not have.

Functions take and return aware datetimes; the database stores naive UTC (the models' convention).
"""

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop import calendars
from shop.calendars import CalendarUnavailable
from shop.clock import as_utc, aware, naive_utc, now_utc
from shop.closed_dates import closed_days, load_closed_dates
from shop.hours import Window, day_windows, hours_next_open, hours_open_at, windows_between, zone_of
from shop.integrations import events
from shop.models import BOOKING_REFERENCE_OFFSET, BOOKING_REFERENCE_PREFIX, Booking, Rep
from shop.outbound import messages as outbound
from shop.settings import SEED_DIR

MEETING = timedelta(minutes=30)
TEAM_CONFIG_PATH = SEED_DIR / "sales_team.yml"
LIVE = "booked"
CANCELLED = "cancelled"
CALENDAR_DOMAIN = "shop.example"  # the right-hand side of a meeting's calendar UID

log = logging.getLogger(__name__)


class SlotTaken(Exception):
    """Someone else has that rep at that time (the slot was booked since it was offered).

    Raised by the pre-check, or from the database's unique index when two customers book the
    same slot at the same moment. In the second case the flush failed and the session's
    transaction is rolled back: let the exception leave session_scope (nothing is written) and
    start a new transaction to offer other times."""


class NotBookable(SlotTaken):
    """That time cannot be booked at all: in the past, outside the rep's working hours, off the
    half-hour grid, or the rep is inactive. A SlotTaken, so a caller that answers "that time is
    gone, pick another" handles both."""


@dataclass(frozen=True)
class Slot:
    rep_id: int
    rep_name: str
    start: datetime  # aware, UTC
    end: datetime


# --------------------------------------------------------------------------- configuration


def load_team_config(path: Path = TEAM_CONFIG_PATH) -> dict[str, Any]:
    """seed/sales_team.yml: {"meeting_minutes": 30, "teams": {key: {name, reply_within, reps}}}."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _ceil_to_grid(moment: datetime) -> datetime:
    """The first half hour (UTC) at or after `moment`."""
    moment = as_utc(moment)
    floor = moment.replace(minute=moment.minute - moment.minute % 30, second=0, microsecond=0)
    return floor if floor == moment else floor + MEETING


def _rep_zone(rep: Rep) -> tzinfo:
    zone = zone_of(rep.timezone)
    if zone is None:
        raise ValueError(f"rep {rep.email} has an unknown time zone {rep.timezone!r}")
    return zone


def _rep_hours(rep: Rep) -> dict[str, Any]:
    hours = rep.working_hours
    return json.loads(hours) if isinstance(hours, str) else dict(hours or {})


# --------------------------------------------------------------------------- reps and hours


def team_reps(session: Session, team: str) -> list[Rep]:
    """The active reps of a team, by id."""
    return list(session.scalars(select(Rep).where(Rep.team == team, Rep.active.is_(True)).order_by(Rep.id)))


def working_windows(rep: Rep, day: date) -> list[Window]:
    """The rep's working windows on `day` (a date in the rep's zone), as aware datetimes in the
    rep's zone. A day off gives []."""
    return day_windows(_rep_zone(rep), _rep_hours(rep), day)


def _windows_between(rep: Rep, lo: datetime, hi: datetime) -> Iterable[Window]:
    """The rep's working windows (in UTC) that overlap [lo, hi), in order."""
    return windows_between(_rep_zone(rep), _rep_hours(rep), lo, hi)


def _closed_days(team: str) -> frozenset[date]:
    return closed_days(load_closed_dates(), team)


def _works_through(rep: Rep, start: datetime, end: datetime) -> bool:
    """The whole of [start, end) lies inside one working window of the rep, on a day that is
    not closed."""
    closed = _closed_days(rep.team)
    return any(
        ws <= start and end <= we and ws.astimezone(_rep_zone(rep)).date() not in closed
        for ws, we in _windows_between(rep, start, end)
    )


def team_open_at(session: Session, team: str, moment: datetime) -> bool:
    """Whether any active rep of the team is working at `moment`."""
    return any(hours_open_at(_rep_zone(rep), _rep_hours(rep), moment) for rep in team_reps(session, team))


def next_opening(session: Session, team: str, moment: datetime, search_days: int = 14) -> datetime | None:
    """When the team is back: `moment` itself if a rep is working then, else the start of the next
    working window of any active rep (aware UTC); None when nobody works within search_days."""
    found = [hours_next_open(_rep_zone(rep), _rep_hours(rep), moment, search_days) for rep in team_reps(session, team)]
    starts = [start for start in found if start is not None]
    return min(starts) if starts else None


# --------------------------------------------------------------------------- free slots


def open_starts(
    windows: Iterable[Window], busy: Sequence[Window], closed: frozenset[date], zone: tzinfo, lo: datetime, hi: datetime
) -> Iterator[datetime]:
    """The meeting starts (aware UTC, on the half-hour grid, in order) from `lo` to before `hi`
    that fit a working window whose day (in `zone`, the rep's) is not closed and overlap no busy
    interval: working hours, minus closed dates, minus what keeps the rep busy."""
    for ws, we in windows:
        if ws.astimezone(zone).date() in closed:
            continue
        start = _ceil_to_grid(max(ws, lo))
        while start + MEETING <= we and start < hi:
            end = start + MEETING
            if not any(bs < end and start < be for bs, be in busy):
                yield start
            start += MEETING


def _calendar_busy(reps: Sequence[Rep], lo: datetime, hi: datetime) -> tuple[dict[int, list[Window]], list[Rep]]:
    """What the reps' own calendars say keeps them busy in [lo, hi), and the reps whose calendar
    could not be read (logged; they are left out of the offer rather than offered blind)."""
    busy: dict[int, list[Window]] = {}
    unreadable = []
    for rep in reps:
        try:
            busy[rep.id] = calendars.rep_busy(rep, _rep_zone(rep), lo, hi)
        except CalendarUnavailable as error:
            log.warning("calendar of %s not read, its slots are not offered: %s", rep.email, error)
            unreadable.append(rep)
    return busy, unreadable


def _live_bookings(session: Session, rep_ids: Sequence[int], lo: datetime, hi: datetime) -> list[Booking]:
    return list(
        session.scalars(
            select(Booking).where(
                Booking.rep_id.in_(rep_ids),
                Booking.status == LIVE,
                Booking.starts_at < naive_utc(hi),
                Booking.ends_at > naive_utc(lo),
            )
        )
    )


def free_slots(
    session: Session,
    team: str,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    limit: int = 3,
    search_days: int = 14,
) -> list[Slot]:
    """Up to `limit` free 30-minute slots of any rep of `team`, nearest to the wished window:
    first those starting inside [window_start, window_end) in time order, then the nearest
    outside it within search_days (after the window, or before it if not in the past; the gap
    is measured to the window's edge, and on a tie the later slot comes first).

    Never in the past (at least 30 minutes after `now`, on the UTC half-hour grid), never
    outside the rep's working hours nor on a closed date, never on top of a live booking of that
    rep nor of a busy event in the rep's own calendar. One slot per start time: when several reps
    are free then, the one with the fewest live bookings that day (in the rep's zone) gets it,
    then the lowest id. Slots come back in that order of nearness.

    A rep whose calendar cannot be read is left out; when that leaves no slot at all,
    CalendarUnavailable (the caller says the calendars cannot be checked, not "no free time")."""
    window_start, window_end, now = as_utc(window_start), as_utc(window_end), as_utc(now)
    if window_end <= window_start:
        raise ValueError("the window ends before it starts")
    reps = team_reps(session, team)
    if limit <= 0 or not reps:
        return []
    lo = _ceil_to_grid(max(now + MEETING, window_start - timedelta(days=search_days)))
    hi = window_end + timedelta(days=search_days)
    if lo >= hi:
        return []

    zones = {rep.id: _rep_zone(rep) for rep in reps}
    busy: dict[int, list[Window]] = {rep.id: [] for rep in reps}
    per_day: Counter = Counter()
    # A day or two either side, so "bookings that day" counts whole days of the rep.
    for booking in _live_bookings(session, list(zones), lo - timedelta(days=2), hi + timedelta(days=2)):
        start, end = aware(booking.starts_at), aware(booking.ends_at)
        busy[booking.rep_id].append((start, end))
        per_day[booking.rep_id, start.astimezone(zones[booking.rep_id]).date()] += 1

    elsewhere, unreadable = _calendar_busy(reps, lo, hi)
    closed = _closed_days(team)
    free: dict[datetime, list[tuple[int, int, Rep]]] = {}
    for rep in reps:
        if rep in unreadable:
            continue
        taken = busy[rep.id] + elsewhere.get(rep.id, [])
        for start in open_starts(_windows_between(rep, lo, hi), taken, closed, zones[rep.id], lo, hi):
            day = start.astimezone(zones[rep.id]).date()
            free.setdefault(start, []).append((per_day[rep.id, day], rep.id, rep))
    if not free and unreadable:
        raise CalendarUnavailable(f"no calendar of team {team} could be read")

    def nearness(start: datetime):
        if window_start <= start < window_end:
            return 0, start - window_start, 0
        if start >= window_end:
            return 1, start - window_end, 0
        return 1, max(window_start - (start + MEETING), timedelta(0)), 1

    slots = []
    for start in sorted(free, key=lambda s: (nearness(s), s))[:limit]:
        _, _, rep = min(free[start], key=lambda c: c[:2])
        slots.append(Slot(rep_id=rep.id, rep_name=rep.name, start=start, end=start + MEETING))
    return slots


# --------------------------------------------------------------------------- booking


def booking_reference(booking_id: int) -> str:
    return f"{BOOKING_REFERENCE_PREFIX}{BOOKING_REFERENCE_OFFSET + booking_id}"


def _is_double_booking(error: IntegrityError) -> bool:
    message = str(error.orig)
    return (
        "one_live_booking_per_rep_slot" in message  # PostgreSQL names the index
        or ("bookings.rep_id" in message and "bookings.starts_at" in message)
    )  # SQLite, the columns


def _bookable_rep(session: Session, rep_id: int, start: datetime, now: datetime | None) -> Rep:
    """The rep, when [start, start + 30 min) can be booked with them (NotBookable / SlotTaken):
    also re-read in the rep's own calendar, which they may have filled since the offer."""
    now = as_utc(now) if now is not None else now_utc()
    rep = session.get(Rep, rep_id)
    if rep is None or not rep.active:
        raise NotBookable(f"no active rep {rep_id}")
    if start <= now:
        raise NotBookable(f"{start.isoformat()} is in the past")
    if start != _ceil_to_grid(start):
        raise NotBookable(f"meetings start on the half hour, not at {start.isoformat()}")
    if not _works_through(rep, start, start + MEETING):
        raise NotBookable(f"{rep.name} is not working at {start.isoformat()}")
    if _live_bookings(session, [rep.id], start, start + MEETING):
        raise SlotTaken(f"{rep.name} is already booked at {start.isoformat()}")
    # The rep may have filled the time in their own calendar since it was offered.
    if calendars.rep_busy(rep, _rep_zone(rep), start, start + MEETING):
        raise SlotTaken(f"{rep.name} has something else in their calendar at {start.isoformat()}")
    return rep


def calendar_uid(booking: Booking) -> str:
    """The UID of the meeting's calendar event: that of its first booking, kept when it moves."""
    return booking.calendar_uid or f"{booking.reference}@{CALENDAR_DOMAIN}"


def current_version(session: Session, booking: Booking) -> Booking:
    """The booking the meeting is now: `booking`, or the last one it was moved to."""
    latest = session.scalar(
        select(Booking).where(Booking.calendar_uid == calendar_uid(booking)).order_by(Booking.id.desc()).limit(1)
    )
    return latest if latest is not None and latest.id > booking.id else booking


def _write_to_calendar(booking: Booking) -> None:
    """The booking as an event in its rep's own calendar (when the rep has one)."""
    from shop.invites import calendar_resource  # invites reads this module's statuses

    calendars.write_meeting(booking.rep, calendar_uid(booking), calendar_resource(booking))


def _insert_booking(
    session: Session,
    rep: Rep,
    start: datetime,
    email: str,
    customer_timezone: str,
    sender_id: str | None,
    lead_id: int | None,
    now: datetime | None,
    moved_from: Booking | None = None,
) -> Booking:
    """A new live booking; one that a meeting is moved to keeps its calendar UID, SEQUENCE + 1."""
    booking = Booking(
        rep=rep,
        starts_at=naive_utc(start),
        ends_at=naive_utc(start + MEETING),
        email=email,
        sender_id=sender_id,
        lead_id=lead_id,
        customer_timezone=customer_timezone,
        status=LIVE,
        calendar_uid=calendar_uid(moved_from) if moved_from is not None else None,
        sequence=(moved_from.sequence or 0) + 1 if moved_from is not None else 0,
    )
    session.add(booking)
    taken = f"{rep.name} was just booked at {start.isoformat()}"  # rep is expired after a failed flush
    try:
        session.flush()
    except IntegrityError as error:
        # Someone booked the same rep and start between the pre-check and this insert. The
        # flush failure has rolled the transaction back: the caller's session_scope re-raises.
        if _is_double_booking(error):
            raise SlotTaken(taken) from error
        raise
    booking.reference = booking_reference(booking.id)
    booking.calendar_uid = booking.calendar_uid or calendar_uid(booking)
    session.flush()
    outbound.meeting_reminders(session, booking, as_utc(now) if now is not None else now_utc())
    _write_to_calendar(booking)
    return booking


def _moved_booking(session: Session, booking: Booking, rep: Rep, start: datetime, now: datetime | None) -> Booking:
    """The booking `booking`'s meeting moves to: the same customer, lead and calendar event."""
    return _insert_booking(
        session,
        rep,
        start,
        booking.email,
        booking.customer_timezone,
        booking.sender_id,
        booking.lead_id,
        now,
        moved_from=booking,
    )


def _clean_booking_details(email: str, customer_timezone: str) -> tuple[str, str]:
    email = (email or "").strip().lower()
    if not email:
        raise ValueError("a booking needs the customer's email")
    if zone_of(customer_timezone) is None:
        raise ValueError(f"unknown time zone {customer_timezone!r}")
    return email, str(customer_timezone).strip()


def book(
    session: Session,
    rep_id: int,
    start_utc: datetime,
    email: str,
    customer_timezone: str,
    sender_id: str | None = None,
    lead_id: int | None = None,
    *,
    now: datetime | None = None,
) -> Booking:
    """Writes a 30-minute booking with the rep in the caller's transaction and gives it its
    reference (M3001 for id 1).

    Re-checks what free_slots promised: the rep is active and working then, the start is on the
    half-hour grid and after `now` (default: the clock), and not booked (NotBookable / SlotTaken).
    Two customers racing for the slot are settled by the unique index: the loser gets SlotTaken
    with its transaction rolled back, so a caller in session_scope writes nothing."""
    start = as_utc(start_utc)
    email, customer_timezone = _clean_booking_details(email, customer_timezone)
    rep = _bookable_rep(session, rep_id, start, now)
    booking = _insert_booking(session, rep, start, email, customer_timezone, sender_id, lead_id, now)
    events.meeting_booked(session, booking)
    return booking


def find_booking(session: Session, reference: str, email: str) -> Booking | None:
    """The booking with that reference, only when it was made with that email (any case); any
    status, so the caller can tell "already cancelled" from "unknown"."""
    reference = (reference or "").strip().upper()
    email = (email or "").strip().lower()
    if not reference or not email:
        return None
    return session.scalar(select(Booking).where(Booking.reference == reference, func.lower(Booking.email) == email))


def _release(session: Session, booking: Booking) -> None:
    """Frees the slot: the booking stays, with status "cancelled"; its reminders are not sent."""
    booking.status = CANCELLED
    session.flush()
    outbound.cancel_meeting_reminders(session, booking)


def cancel_booking(session: Session, booking: Booking) -> None:
    """Cancels the meeting: the slot freed, its SEQUENCE raised (its invite is now a CANCEL),
    and the event taken out of the rep's calendar."""
    booking.sequence = (booking.sequence or 0) + 1
    _release(session, booking)
    calendars.remove_meeting(booking.rep, calendar_uid(booking))


def reschedule(session: Session, booking: Booking, new_start_utc: datetime, *, now: datetime | None = None) -> Booking:
    """Moves a live booking to another start with the same rep, in the caller's transaction: the
    old booking is cancelled and a new one (new reference; the same calendar event, its UID kept
    and SEQUENCE + 1, rewritten in the rep's calendar) is written. NotBookable / SlotTaken
    when the new time can't be had; nothing is cancelled then (checked before cancelling, and
    a lost race fails the flush, which rolls the transaction back)."""
    if booking.status != LIVE:
        raise ValueError(f"booking {booking.reference} is {booking.status}, not live")
    new_start = as_utc(new_start_utc)
    if new_start == aware(booking.starts_at):
        return booking
    rep = _bookable_rep(session, booking.rep_id, new_start, now)
    _release(session, booking)  # the same event, moved: rewritten in the rep's calendar below
    moved = _moved_booking(session, booking, rep, new_start, now)
    events.meeting_moved(session, booking, moved)
    return moved


# --------------------------------------------------------------------------- a customer's booking


def live_booking(session: Session, reference: str | None, email: str | None) -> Booking | None:
    """The live booking with that reference, made with that email; None when there is none
    (unknown reference, another email, or cancelled)."""
    booking = find_booking(session, reference or "", email or "")
    return booking if booking is not None and booking.status == LIVE else None


def move_meeting(
    session: Session,
    reference: str | None,
    email: str | None,
    rep_id: int | None,
    start_utc: datetime | None,
    *,
    now: datetime,
) -> Booking | None:
    """Moves the customer's live booking (reference and email) to `start_utc` with rep `rep_id`,
    in the caller's transaction: with the same rep, rescheduled; with another rep of the team,
    booked with them (same email, zone, sender, lead and calendar event, which moves from the
    old rep's calendar to theirs), then the old one cancelled. Returns the
    booking now live (new reference), the booking itself when no new time is given, or None when
    there is no live booking of that reference and email. NotBookable / SlotTaken when the new
    time can't be had; nothing changes then."""
    booking = live_booking(session, reference, email)
    if booking is None or rep_id is None or start_utc is None:
        return booking
    if rep_id == booking.rep_id:
        return reschedule(session, booking, start_utc, now=now)
    start = as_utc(start_utc)
    rep = _bookable_rep(session, rep_id, start, now)
    moved = _moved_booking(session, booking, rep, start, now)
    _release(session, booking)
    calendars.remove_meeting(booking.rep, calendar_uid(booking))  # the event went to the other rep
    events.meeting_moved(session, booking, moved)
    return moved


def cancel_meeting(session: Session, reference: str | None, email: str | None) -> str | None:
    """Cancels the customer's live booking (reference and email): its reference, or None when
    there is no live booking of that reference and email."""
    booking = live_booking(session, reference, email)
    if booking is None:
        return None
    cancel_booking(session, booking)
    events.meeting_cancelled(session, booking)
    return booking.reference
