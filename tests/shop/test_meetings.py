"""Meeting meetings: working hours across time zones and DST, free slots, booking (and two
customers racing for one slot), rescheduling, cancelling, a customer's booking moved or
cancelled by its reference and email, and opening hours (the invites: test_invites.py).

Every test passes a fixed `now`: 2026-03-09 is the Monday after the US switched to summer time
(2026-03-08) and before the UK does (2026-03-29), so New York is 4 hours behind London that week."""

import json
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from dateutil import tz
from sqlalchemy import func, select

from shop import meetings
from shop.db import session_scope
from shop.hours import normalize_working_hours
from shop.meetings import (
    MEETING,
    NotBookable,
    Slot,
    SlotTaken,
    book,
    cancel_booking,
    find_booking,
    free_slots,
    load_team_config,
    next_opening,
    reschedule,
    team_open_at,
    team_reps,
    working_windows,
)
from shop.models import Booking, Rep

UTC = timezone.utc
NEW_YORK = tz.gettz("America/New_York")
NINE_TO_FIVE = {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}

MONDAY_10_05_NY = datetime(2026, 3, 9, 10, 5, tzinfo=NEW_YORK)  # 14:05 UTC


def ny(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def add_rep(name: str, zone: str, team: str = "qa", hours=None, active: bool = True) -> int:
    with session_scope() as session:
        rep = Rep(
            name=name,
            email=f"{name.lower().replace(' ', '.')}@shop.example",
            team=team,
            timezone=zone,
            working_hours=json.dumps(hours or NINE_TO_FIVE),
            active=active,
        )
        session.add(rep)
        session.flush()
        return rep.id


def rep_id(email: str) -> int:
    with session_scope() as session:
        return session.scalar(select(Rep.id).where(Rep.email == email))


@pytest.fixture
def ny_rep(shop_db) -> int:
    """Team "qa": one New York rep, Monday to Friday 09:00-17:00."""
    return add_rep("Nora York", "America/New_York")


def slots(team: str, start: datetime, end: datetime, now: datetime, **kwargs) -> list[Slot]:
    with session_scope() as session:
        return free_slots(session, team, start, end, now, **kwargs)


def local_starts(found: list[Slot], zone=NEW_YORK) -> list[str]:
    return [s.start.astimezone(zone).strftime("%a %H:%M") for s in found]


def book_one(
    rep: int,
    start: datetime,
    email: str = "jane@example.com",
    zone: str = "Europe/Berlin",
    now: datetime = MONDAY_10_05_NY,
    **kwargs,
) -> str:
    with session_scope() as session:
        return book(session, rep, start, email, zone, now=now, **kwargs).reference


def live_bookings(rep: int | None = None) -> list[tuple[str, datetime]]:
    with session_scope() as session:
        query = select(Booking.reference, Booking.starts_at).where(Booking.status == "booked")
        if rep is not None:
            query = query.where(Booking.rep_id == rep)
        return list(session.execute(query.order_by(Booking.id)).all())


def booking_count() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count(Booking.id)))


# --------------------------------------------------------------------------- working hours


def transient_rep(zone: str, hours=None) -> Rep:
    return Rep(
        id=1,
        name="Rep",
        email="rep@shop.example",
        team="qa",
        timezone=zone,
        working_hours=json.dumps(hours or NINE_TO_FIVE),
        active=True,
    )


def test_working_windows_follow_daylight_saving_time():
    rep = transient_rep("America/New_York")
    [(friday_start, friday_end)] = working_windows(rep, date(2026, 3, 6))  # EST, UTC-5
    [(monday_start, monday_end)] = working_windows(rep, date(2026, 3, 9))  # EDT, UTC-4
    assert friday_start.astimezone(UTC) == utc(6, 14) and friday_end.astimezone(UTC) == utc(6, 22)
    assert monday_start.astimezone(UTC) == utc(9, 13) and monday_end.astimezone(UTC) == utc(9, 21)
    # the windows are wall-clock times in the rep's zone
    assert (monday_start.hour, monday_start.utcoffset()) == (9, timedelta(hours=-4))
    assert (friday_start.hour, friday_start.utcoffset()) == (9, timedelta(hours=-5))
    assert working_windows(rep, date(2026, 3, 7)) == working_windows(rep, date(2026, 3, 8)) == []


def test_working_windows_of_london_across_the_uk_change():
    rep = transient_rep("Europe/London")
    [(before, _)] = working_windows(rep, date(2026, 3, 27))  # GMT
    [(after, _)] = working_windows(rep, date(2026, 3, 30))  # BST
    assert before.astimezone(UTC) == utc(27, 9)
    assert after.astimezone(UTC) == utc(30, 8)


def test_split_days_and_midnight():
    rep = transient_rep("America/Chicago", {"mon": [["13:00", "17:00"], ["08:00", "12:00"]], "sat": ["20:00", "24:00"]})
    monday = working_windows(rep, date(2026, 3, 9))
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in monday] == [("08:00", "12:00"), ("13:00", "17:00")]
    [(start, end)] = working_windows(rep, date(2026, 3, 7))
    assert end - start == timedelta(hours=4) and end.date() == date(2026, 3, 8)


@pytest.mark.parametrize(
    "hours",
    [
        {"monday": ["09:00", "17:00"], "funday": ["09:00", "17:00"]},
        {"mon": ["17:00", "09:00"]},
        {"mon": ["9", "17:00"]},
        {"mon": ["09:00", "25:00"]},
        {"mon": ["09:00"]},
        ["09:00", "17:00"],
    ],
)
def test_malformed_working_hours_are_refused(hours):
    with pytest.raises(ValueError):
        normalize_working_hours(hours)


def test_working_hours_are_normalized():
    assert normalize_working_hours({"Fri": ["09:00", "17:00"], "mon": ["10:00", "18:00"], "sun": []}) == {
        "mon": ["10:00", "18:00"],
        "fri": ["09:00", "17:00"],
    }


# --------------------------------------------------------------------------- free slots


@pytest.mark.parametrize(
    "now, first",
    [
        (ny(9, 10, 5), "Mon 11:00"),  # 30 minutes later is 10:35: the next half hour is 11:00
        (ny(9, 10, 0), "Mon 10:30"),
        (
            ny(
                9,
                10,
                29,
            ),
            "Mon 11:00",
        ),
        (ny(9, 10, 30), "Mon 11:00"),
        (ny(9, 6, 0), "Mon 09:00"),  # before hours: the day's first slot
    ],
)
def test_free_slots_are_never_in_the_past(ny_rep, now, first):
    found = slots("qa", ny(9, 0), ny(10, 0), now)
    assert local_starts(found)[0] == first
    assert all(s.start >= now + MEETING for s in found)


def test_free_slots_nearest_first_inside_the_window(ny_rep):
    found = slots("qa", ny(9, 0), ny(10, 0), MONDAY_10_05_NY)
    assert local_starts(found) == ["Mon 11:00", "Mon 11:30", "Mon 12:00"]
    assert found[0] == Slot(rep_id=ny_rep, rep_name="Nora York", start=utc(9, 15), end=utc(9, 15, 30))
    assert all(s.start.tzinfo == UTC for s in found)


def test_free_slots_are_never_outside_working_hours(ny_rep):
    found = slots("qa", ny(9, 0), ny(10, 0), MONDAY_10_05_NY, limit=1000, search_days=7)
    # Monday 11:00-16:30 (12), Tuesday to Friday (4 x 16), next Monday (16): 7 days after the window
    assert len(found) == 12 + 4 * 16 + 16
    assert len({s.start for s in found}) == len(found)
    for slot in found:
        local = slot.start.astimezone(NEW_YORK)
        assert local.weekday() < 5, slot
        assert "09:00" <= local.strftime("%H:%M") <= "16:30", slot
        assert slot.end - slot.start == MEETING
        assert (slot.start.minute % 30, slot.start.second) == (0, 0)
        assert slot.start >= MONDAY_10_05_NY + MEETING


def test_an_evening_request_gets_the_end_of_the_day_before_the_next_morning(ny_rep):
    evening = (ny(9, 20), ny(9, 22))
    assert local_starts(slots("qa", *evening, MONDAY_10_05_NY)) == ["Mon 16:30", "Mon 16:00", "Mon 15:30"]
    # late on Monday those are past: the next morning then
    assert local_starts(slots("qa", *evening, ny(9, 16, 45))) == ["Tue 09:00", "Tue 09:30", "Tue 10:00"]


def test_inside_the_window_first_then_the_nearest_around_it(ny_rep):
    found = slots("qa", ny(10, 14), ny(10, 15), MONDAY_10_05_NY, limit=6)
    # 15:00 and 13:30 both touch the window; on a tie the later one first
    assert local_starts(found) == ["Tue 14:00", "Tue 14:30", "Tue 15:00", "Tue 13:30", "Tue 15:30", "Tue 13:00"]


def test_booked_slots_are_skipped(ny_rep):
    book_one(ny_rep, ny(9, 11))
    book_one(ny_rep, ny(9, 11, 30), email="other@example.com")
    assert local_starts(slots("qa", ny(9, 0), ny(10, 0), MONDAY_10_05_NY)) == ["Mon 12:00", "Mon 12:30", "Mon 13:00"]


def test_a_cancelled_booking_does_not_block(ny_rep):
    with session_scope() as session:
        cancel_booking(session, book(session, ny_rep, ny(9, 11), "jane@example.com", "UTC", now=MONDAY_10_05_NY))
    assert local_starts(slots("qa", ny(9, 0), ny(10, 0), MONDAY_10_05_NY))[0] == "Mon 11:00"


@pytest.mark.parametrize("limit", [0, 1, 2, 5, 12])
def test_limit_is_respected(ny_rep, limit):
    found = slots("qa", ny(9, 0), ny(10, 0), MONDAY_10_05_NY, limit=limit)
    assert len(found) == limit
    if limit:
        assert local_starts(found)[0] == "Mon 11:00"


def test_search_days_bounds_the_search(ny_rep):
    # a Saturday request and one day of search: Sunday is off, so nothing
    assert slots("qa", ny(7, 0), ny(8, 0), ny(6, 18), search_days=1) == []
    assert local_starts(slots("qa", ny(7, 0), ny(8, 0), ny(6, 18), search_days=2)) == [
        "Mon 09:00",
        "Mon 09:30",
        "Mon 10:00",
    ]


def test_a_weekend_request_gets_the_next_working_days_slots(shop_db):
    friday_evening = ny(6, 18)  # 23:00 UTC: the whole team has finished for the week
    found = slots("smb", ny(7, 0), ny(9, 0), friday_evening)
    # Monday 09:00 in New York (EDT since Sunday) is 13:00 UTC; Chicago's 09:00 is 14:00 UTC
    assert [s.start for s in found] == [utc(9, 13), utc(9, 13, 30), utc(9, 14)]
    olivia = rep_id("olivia.bennett@shop.example")
    assert [s.rep_id for s in found] == [olivia] * 3  # at 14:00 both are free: fewer bookings, then id


def test_a_london_rep_and_a_new_york_rep_in_one_team(shop_db):
    london = add_rep("Lily London", "Europe/London", team="duo")
    new_york = add_rep("Ned York", "America/New_York", team="duo")
    now, monday = utc(8, 12), (utc(9, 0), utc(10, 0))

    found = slots("duo", *monday, now, limit=100, search_days=0)

    # London works 09:00-17:00 UTC (GMT), New York 13:00-21:00 UTC (EDT): 4 hours apart this week
    assert [s.start for s in found] == [utc(9, 9) + i * MEETING for i in range(24)]
    owner = {s.start.strftime("%H:%M"): s.rep_id for s in found}
    assert owner["09:00"] == owner["12:30"] == london
    assert owner["13:00"] == owner["16:30"] == london  # both free: the lower id
    assert owner["17:00"] == owner["20:30"] == new_york

    book_one(london, utc(9, 10), now=now)
    book_one(london, utc(9, 13), now=now, email="other@example.com")
    found = slots("duo", *monday, now, limit=100, search_days=0)
    owner = {s.start.strftime("%H:%M"): s.rep_id for s in found}
    assert "10:00" not in owner  # only London works then, and is booked
    assert owner["13:00"] == new_york  # London is booked
    assert owner["13:30"] == new_york  # both free: New York has fewer bookings that day
    assert owner["09:00"] == london


def test_inactive_reps_and_unknown_teams_have_no_slots(shop_db):
    add_rep("Gone Away", "America/New_York", team="gone", active=False)
    assert slots("gone", ny(9, 0), ny(10, 0), MONDAY_10_05_NY) == []
    assert slots("nobody", ny(9, 0), ny(10, 0), MONDAY_10_05_NY) == []
    with session_scope() as session:
        assert team_reps(session, "gone") == []
        assert [r.name for r in team_reps(session, "smb")] == ["Olivia Bennett", "Marcus Reid"]


def test_free_slots_need_aware_datetimes_and_a_real_window(ny_rep):
    with pytest.raises(ValueError):
        slots("qa", datetime(2026, 3, 9), datetime(2026, 3, 10), MONDAY_10_05_NY)
    with pytest.raises(ValueError):
        slots("qa", ny(10, 0), ny(9, 0), MONDAY_10_05_NY)


# --------------------------------------------------------------------------- booking


def test_book_writes_the_booking_and_free_slots_no_longer_offer_it(ny_rep):
    [first, *_] = slots("qa", ny(9, 0), ny(10, 0), MONDAY_10_05_NY)
    with session_scope() as session:
        booking = book(
            session,
            first.rep_id,
            first.start,
            " Jane@Example.com ",
            "Europe/Berlin",
            sender_id="web-1",
            now=MONDAY_10_05_NY,
        )
        stored = (
            booking.reference,
            booking.rep_id,
            booking.starts_at,
            booking.ends_at,
            booking.email,
            booking.customer_timezone,
            booking.sender_id,
            booking.status,
            booking.rep.name,
        )
    assert stored == (
        "M3001",
        ny_rep,
        datetime(2026, 3, 9, 15, 0),
        datetime(2026, 3, 9, 15, 30),
        "jane@example.com",
        "Europe/Berlin",
        "web-1",
        "booked",
        "Nora York",
    )
    again = slots("qa", ny(9, 0), ny(10, 0), MONDAY_10_05_NY)
    assert first.start not in [s.start for s in again]
    assert local_starts(again) == ["Mon 11:30", "Mon 12:00", "Mon 12:30"]


def test_a_second_booking_of_the_same_rep_and_start_raises_slot_taken(ny_rep):
    book_one(ny_rep, ny(9, 11))
    with pytest.raises(SlotTaken):
        book_one(ny_rep, ny(9, 11), email="late@example.com")
    assert live_bookings() == [("M3001", datetime(2026, 3, 9, 15, 0))]
    assert booking_count() == 1


def test_the_database_refuses_what_the_check_misses(ny_rep, monkeypatch):
    """Without the pre-check (as when another server booked a moment ago), the partial unique
    index stops the double booking, and the whole transaction writes nothing."""
    book_one(ny_rep, ny(9, 11))
    monkeypatch.setattr(meetings, "_live_bookings", lambda *args, **kwargs: [])
    with pytest.raises(SlotTaken, match="just booked"), session_scope() as session:
        book(session, ny_rep, ny(9, 12), "late@example.com", "UTC", now=MONDAY_10_05_NY)  # free
        book(session, ny_rep, ny(9, 11), "late@example.com", "UTC", now=MONDAY_10_05_NY)  # taken
    assert live_bookings() == [("M3001", datetime(2026, 3, 9, 15, 0))]
    assert booking_count() == 1


def test_another_rep_at_the_same_time_is_fine(shop_db):
    first, second = add_rep("Ann One", "America/New_York"), add_rep("Bob Two", "America/New_York")
    book_one(first, ny(9, 11))
    book_one(second, ny(9, 11))
    assert len(live_bookings()) == 2
    # both are busy at 11:00 now
    assert "Mon 11:00" not in local_starts(slots("qa", ny(9, 0), ny(10, 0), MONDAY_10_05_NY, limit=20))


def test_a_cancelled_slot_can_be_booked_again(ny_rep):
    reference = book_one(ny_rep, ny(9, 11))
    with session_scope() as session:
        cancel_booking(session, find_booking(session, reference, "jane@example.com"))
    again = book_one(ny_rep, ny(9, 11), email="next@example.com")
    assert (reference, again) == ("M3001", "M3002")
    assert live_bookings() == [("M3002", datetime(2026, 3, 9, 15, 0))]


@pytest.mark.parametrize(
    "start, why",
    [
        (ny(9, 10), "in the past"),  # now is 10:05
        (ny(9, 8, 30), "in the past"),
        (ny(10, 8, 30), "not working"),
        (ny(10, 17), "not working"),
        (ny(14, 11), "not working"),  # Saturday
        (ny(10, 11, 15), "half hour"),
    ],
)
def test_book_refuses_times_that_were_never_offered(ny_rep, start, why):
    with pytest.raises(NotBookable, match=why):
        book_one(ny_rep, start)
    assert booking_count() == 0


def test_the_last_slot_of_the_day_can_be_booked(ny_rep):
    assert book_one(ny_rep, ny(10, 16, 30)) == "M3001"


def test_book_refuses_inactive_and_unknown_reps(shop_db):
    gone = add_rep("Gone Away", "America/New_York", active=False)
    for rep in (gone, 9999):
        with pytest.raises(NotBookable, match="no active rep"):
            book_one(rep, ny(10, 11))


@pytest.mark.parametrize(
    "start, email, zone",
    [
        (datetime(2026, 3, 10, 15, 0), "jane@example.com", "UTC"),  # naive
        (ny(10, 11), "jane@example.com", "Mars/Olympus_Mons"),
        (ny(10, 11), "  ", "UTC"),
    ],
)
def test_book_refuses_bad_details(ny_rep, start, email, zone):
    with pytest.raises(ValueError):
        book_one(ny_rep, start, email=email, zone=zone)
    assert booking_count() == 0


def test_not_bookable_is_a_slot_taken():
    """A caller that answers "that time is gone, pick another" handles both."""
    assert issubclass(NotBookable, SlotTaken)


# --------------------------------------------------------------------------- finding, rescheduling


def test_find_booking_needs_the_email_it_was_made_with(ny_rep):
    reference = book_one(ny_rep, ny(9, 11), email="Jane.Doe@Example.com")
    with session_scope() as session:
        assert find_booking(session, reference, "jane.doe@example.com").reference == reference
        assert find_booking(session, reference.lower(), " JANE.DOE@EXAMPLE.COM ").reference == reference
        assert find_booking(session, reference, "someone.else@example.com") is None
        assert find_booking(session, "M3999", "jane.doe@example.com") is None
        assert find_booking(session, "", "") is None
        cancel_booking(session, find_booking(session, reference, "jane.doe@example.com"))
    with session_scope() as session:  # a cancelled booking is found, so the caller can say so
        assert find_booking(session, reference, "jane.doe@example.com").status == "cancelled"


def test_reschedule_moves_the_meeting_with_the_same_rep(ny_rep):
    add_rep("Other Rep", "America/New_York")
    reference = book_one(ny_rep, ny(9, 11), lead_id=None, sender_id="web-7")
    with session_scope() as session:
        old = find_booking(session, reference, "jane@example.com")
        moved = reschedule(session, old, ny(10, 14), now=MONDAY_10_05_NY)
        result = (
            moved.reference,
            moved.rep_id,
            moved.starts_at,
            moved.email,
            moved.sender_id,
            moved.customer_timezone,
            old.status,
        )
    assert result == (
        "M3002",
        ny_rep,
        datetime(2026, 3, 10, 18, 0),
        "jane@example.com",
        "web-7",
        "Europe/Berlin",
        "cancelled",
    )
    assert live_bookings() == [("M3002", datetime(2026, 3, 10, 18, 0))]
    offered = local_starts(slots("qa", ny(9, 0), ny(11, 0), MONDAY_10_05_NY, limit=40))
    assert "Mon 11:00" in offered  # freed (and the other rep has it anyway)


def test_reschedule_to_the_same_time_changes_nothing(ny_rep):
    reference = book_one(ny_rep, ny(9, 11))
    with session_scope() as session:
        booking = find_booking(session, reference, "jane@example.com")
        assert reschedule(session, booking, ny(9, 11), now=MONDAY_10_05_NY) is booking
    assert live_bookings() == [("M3001", datetime(2026, 3, 9, 15, 0))]


@pytest.mark.parametrize("skip_check", [False, True])
def test_reschedule_onto_a_taken_slot_keeps_the_old_booking(ny_rep, monkeypatch, skip_check):
    mine = book_one(ny_rep, ny(9, 11))
    book_one(ny_rep, ny(9, 14), email="other@example.com")
    if skip_check:  # lose the race at the database instead of at the check
        monkeypatch.setattr(meetings, "_live_bookings", lambda *args, **kwargs: [])
    with pytest.raises(SlotTaken), session_scope() as session:
        reschedule(session, find_booking(session, mine, "jane@example.com"), ny(9, 14), now=MONDAY_10_05_NY)
    assert live_bookings() == [("M3001", datetime(2026, 3, 9, 15, 0)), ("M3002", datetime(2026, 3, 9, 18, 0))]
    assert booking_count() == 2


def test_reschedule_to_an_impossible_time_keeps_the_old_booking(ny_rep):
    mine = book_one(ny_rep, ny(9, 11))
    with session_scope() as session:
        booking = find_booking(session, mine, "jane@example.com")
        with pytest.raises(NotBookable):
            reschedule(session, booking, ny(9, 9), now=MONDAY_10_05_NY)  # past
        with pytest.raises(NotBookable):
            reschedule(session, booking, ny(14, 11), now=MONDAY_10_05_NY)  # Saturday
        assert booking.status == "booked"  # checked before anything was cancelled
    assert live_bookings() == [("M3001", datetime(2026, 3, 9, 15, 0))]


def test_a_cancelled_booking_cannot_be_rescheduled(ny_rep):
    mine = book_one(ny_rep, ny(9, 11))
    with session_scope() as session:
        booking = find_booking(session, mine, "jane@example.com")
        cancel_booking(session, booking)
        with pytest.raises(ValueError):
            reschedule(session, booking, ny(9, 14), now=MONDAY_10_05_NY)


# --------------------------------------------------------------------------- a customer's booking, by reference


def booking_row(reference: str) -> tuple:
    with session_scope() as session:
        b = session.scalar(select(Booking).where(Booking.reference == reference))
        return (b.rep_id, b.starts_at, b.email, b.customer_timezone, b.sender_id, b.status)


def test_live_booking_is_only_a_booked_one_with_its_email(ny_rep):
    reference = book_one(ny_rep, ny(9, 11), email="Jane.Doe@Example.com")
    with session_scope() as session:
        assert meetings.live_booking(session, reference.lower(), "jane.doe@example.com").reference == reference
        assert meetings.live_booking(session, reference, "someone.else@example.com") is None
        assert meetings.live_booking(session, "M3999", "jane.doe@example.com") is None
        assert meetings.live_booking(session, None, None) is None
        cancel_booking(session, find_booking(session, reference, "jane.doe@example.com"))
    with session_scope() as session:
        assert meetings.live_booking(session, reference, "jane.doe@example.com") is None


def test_move_meeting_with_the_same_rep_reschedules(ny_rep):
    reference = book_one(ny_rep, ny(9, 11), sender_id="web-7")
    with session_scope() as session:
        moved = meetings.move_meeting(session, reference, "jane@example.com", ny_rep, ny(10, 14), now=MONDAY_10_05_NY)
        new_reference = moved.reference
    assert new_reference != reference
    assert booking_row(reference)[-1] == "cancelled"
    assert booking_row(new_reference) == (
        ny_rep,
        datetime(2026, 3, 10, 18, 0),
        "jane@example.com",
        "Europe/Berlin",
        "web-7",
        "booked",
    )


def test_move_meeting_to_another_rep_books_them_then_frees_the_old_time(ny_rep):
    other = add_rep("Other Rep", "America/New_York")
    reference = book_one(ny_rep, ny(9, 11), sender_id="web-7")
    with session_scope() as session:
        moved = meetings.move_meeting(session, reference, "jane@example.com", other, ny(10, 14), now=MONDAY_10_05_NY)
        new_reference = moved.reference
    assert booking_row(reference)[-1] == "cancelled"
    assert booking_row(new_reference) == (
        other,
        datetime(2026, 3, 10, 18, 0),
        "jane@example.com",
        "Europe/Berlin",
        "web-7",
        "booked",
    )


def test_move_meeting_without_a_new_time_leaves_the_booking(ny_rep):
    reference = book_one(ny_rep, ny(9, 11))
    with session_scope() as session:
        found = meetings.move_meeting(session, reference, "jane@example.com", None, None, now=MONDAY_10_05_NY)
        assert found.reference == reference
    assert live_bookings() == [(reference, datetime(2026, 3, 9, 15, 0))]


@pytest.mark.parametrize("email", ["someone.else@example.com", None])
def test_move_meeting_of_no_live_booking_changes_nothing(ny_rep, email):
    reference = book_one(ny_rep, ny(9, 11))
    with session_scope() as session:
        assert meetings.move_meeting(session, reference, email, ny_rep, ny(10, 14), now=MONDAY_10_05_NY) is None
    assert live_bookings() == [(reference, datetime(2026, 3, 9, 15, 0))]
    assert booking_count() == 1


def test_move_meeting_to_another_reps_taken_time_keeps_the_old_booking(ny_rep):
    other = add_rep("Other Rep", "America/New_York")
    mine = book_one(ny_rep, ny(9, 11))
    theirs = book_one(other, ny(9, 14), email="other@example.com")
    with pytest.raises(SlotTaken), session_scope() as session:
        meetings.move_meeting(session, mine, "jane@example.com", other, ny(9, 14), now=MONDAY_10_05_NY)
    assert live_bookings() == [(mine, datetime(2026, 3, 9, 15, 0)), (theirs, datetime(2026, 3, 9, 18, 0))]


def test_cancel_meeting_cancels_the_live_booking_once(ny_rep):
    reference = book_one(ny_rep, ny(9, 11))
    with session_scope() as session:
        assert meetings.cancel_meeting(session, reference, "someone.else@example.com") is None
    assert live_bookings() == [(reference, datetime(2026, 3, 9, 15, 0))]
    with session_scope() as session:
        assert meetings.cancel_meeting(session, reference, "JANE@example.com") == reference
    assert live_bookings() == []
    with session_scope() as session:
        assert meetings.cancel_meeting(session, reference, "jane@example.com") is None  # already cancelled


# --------------------------------------------------------------------------- opening hours


def open_and_next(team: str, moment: datetime):
    with session_scope() as session:
        return team_open_at(session, team, moment), next_opening(session, team, moment)


def test_friday_evening_the_team_is_back_monday_at_nine_of_the_earliest_rep(shop_db):
    is_open, back = open_and_next("smb", utc(6, 23))  # 18:00 New York, 17:00 Chicago: all gone
    assert is_open is False
    assert back == utc(9, 13) == ny(9, 9)  # Olivia in New York, already on summer time
    assert back.tzinfo == UTC


@pytest.mark.parametrize(
    "team, moment, is_open",
    [
        ("smb", utc(6, 21, 30), True),  # 16:30 in New York
        ("smb", utc(6, 22, 30), True),  # 17:30 New York, 16:30 Chicago
        ("smb", utc(6, 14), True),  # 09:00 New York, on the dot
        ("smb", utc(6, 13, 59), False),
        ("enterprise", utc(9, 9), True),  # 09:00 London
        ("wholesale", utc(7, 16), True),  # Saturday 10:00 in Chicago: Tom works Tuesday to Saturday
        ("smb", utc(7, 16), False),
    ],
)
def test_team_open_at(shop_db, team, moment, is_open):
    open_now, back = open_and_next(team, moment)
    assert open_now is is_open
    assert (back == moment) is is_open  # open: "back" is now; closed: a later window start
    assert back > moment or is_open


def test_the_late_starter(shop_db):
    """Monday 09:30 in Los Angeles: Grace starts at 10:00 and Tom is off on Mondays."""
    assert open_and_next("wholesale", utc(9, 16, 30)) == (False, utc(9, 17))
    assert open_and_next("wholesale", utc(9, 17)) == (True, utc(9, 17))


def test_a_team_nobody_works_in(shop_db):
    assert open_and_next("nobody", utc(9, 12)) == (False, None)


# --------------------------------------------------------------------------- the seeded team


def test_the_seeded_sales_team(shop_db):
    config = load_team_config()
    assert set(config["teams"]) == {"smb", "enterprise", "wholesale"}
    assert timedelta(minutes=config["meeting_minutes"]) == MEETING
    for team in config["teams"].values():
        assert team["name"] and team["reply_within"] and len(team["reps"]) == 2
    with session_scope() as session:
        reps = session.scalars(select(Rep).order_by(Rep.id)).all()
        assert [r.team for r in reps] == ["smb", "smb", "enterprise", "enterprise", "wholesale", "wholesale"]
        assert all(r.active and r.email.endswith("@shop.example") for r in reps)
        assert {r.timezone for r in reps} == {
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "Europe/London",
        }
        hours = {r.name: json.loads(r.working_hours) for r in reps}
    assert [name for name, h in hours.items() if "sat" in h and "mon" not in h] == ["Tom Gallagher"]
    assert [name for name, h in hours.items() if h["tue"][0] == "10:00"] == ["Grace Liu"]


# --------------------------------------------------------------------------- the race


def race_to_book(rep: int, start: datetime, people: int, now: datetime) -> list[tuple[str, object]]:
    """`people` threads, each in its own transaction, book the same rep and start at the same
    moment (a barrier releases them together). Returns what each one got."""
    barrier = threading.Barrier(people)
    outcomes: list[tuple[str, object]] = [("not run", None)] * people

    def try_to_book(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            with session_scope() as session:
                reference = book(session, rep, start, f"racer{i}@example.com", "UTC", now=now).reference
            outcomes[i] = ("booked", reference)
        except SlotTaken as taken:
            outcomes[i] = ("taken", str(taken))
        except Exception as error:  # reported by the assertions, not lost in the thread
            outcomes[i] = ("error", repr(error))

    threads = [threading.Thread(target=try_to_book, args=(i,)) for i in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a customer never finished"
    return outcomes


@pytest.fixture
def all_checked_first(monkeypatch):
    """Every racer passes the "is it free?" check before anyone writes: only the database's
    unique index can then stop the double booking. Returns a function to arm it for n racers."""
    check = meetings._bookable_rep

    def arm(people: int) -> None:
        checked = threading.Barrier(people)

        def check_then_wait(*args, **kwargs):
            rep = check(*args, **kwargs)
            checked.wait(timeout=10)
            return rep

        monkeypatch.setattr(meetings, "_bookable_rep", check_then_wait)

    return arm


@pytest.mark.parametrize("people", [2, 4])
def test_customers_race_for_one_slot(ny_rep, all_checked_first, people):
    all_checked_first(people)

    outcomes = race_to_book(ny_rep, ny(10, 11), people, MONDAY_10_05_NY)

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["booked"] + ["taken"] * (people - 1), outcomes
    assert all("just booked" in str(detail) for kind, detail in outcomes if kind == "taken")  # by the index
    winner = [detail for kind, detail in outcomes if kind == "booked"]
    assert [ref for ref, _ in live_bookings()] == winner
    assert booking_count() == 1


def test_customers_race_without_delay(ny_rep):
    for hour in (11, 12, 13, 14, 15):
        outcomes = race_to_book(ny_rep, ny(10, hour), 2, MONDAY_10_05_NY)
        assert sorted(kind for kind, _ in outcomes) == ["booked", "taken"], outcomes
    assert booking_count() == 5
    assert len({start for _, start in live_bookings()}) == 5
