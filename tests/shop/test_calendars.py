"""The rules under the reps' calendars, as plain functions: busy intervals read from iCalendar
data (repeating, whole-day, floating, free and cancelled events), the calendars file, the
closed dates file, and the free starts left by working hours, closed days and busy intervals."""

from datetime import date, datetime, timedelta, timezone

import pytest
from dateutil import tz

from shop.calendars.busy import busy_windows
from shop.calendars.caldav import calendar_data, calendar_query
from shop.calendars.config import parse_accounts
from shop.closed_dates import closed_days, parse_closed_dates
from shop.meetings import open_starts

UTC = timezone.utc
NEW_YORK = tz.gettz("America/New_York")
LO = datetime(2030, 1, 7, tzinfo=UTC)  # a Monday
HI = datetime(2030, 1, 14, tzinfo=UTC)


def vcalendar(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\nDTSTAMP:20300101T000000Z\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 1, day, hour, minute, tzinfo=UTC)


# --------------------------------------------------------------------------- busy intervals


def test_an_event_in_utc_is_busy_from_start_to_end():
    data = vcalendar("UID:a\r\nDTSTART:20300108T150000Z\r\nDTEND:20300108T160000Z\r\nSUMMARY:Dentist\r\n")
    assert busy_windows([data], LO, HI, NEW_YORK) == [(utc(8, 15), utc(8, 16))]


def test_an_event_in_a_named_zone_and_one_by_duration():
    data = vcalendar(
        "UID:a\r\nDTSTART;TZID=Europe/London:20300109T090000\r\nDURATION:PT45M\r\n",
        "UID:b\r\nDTSTART;TZID=America/New_York:20300110T090000\r\nDTEND;TZID=America/New_York:20300110T093000\r\n",
    )
    assert busy_windows([data], LO, HI, NEW_YORK) == [(utc(9, 9), utc(9, 9, 45)), (utc(10, 14), utc(10, 14, 30))]


def test_a_repeating_event_is_laid_out_with_its_exceptions():
    data = vcalendar(
        "UID:standup\r\nDTSTART;TZID=America/New_York:20300107T093000\r\n"
        "DTEND;TZID=America/New_York:20300107T100000\r\nRRULE:FREQ=DAILY;COUNT=5\r\n"
        "EXDATE;TZID=America/New_York:20300109T093000\r\n",
    )
    found = busy_windows([data], LO, HI, NEW_YORK)
    assert [start.astimezone(NEW_YORK).strftime("%a %H:%M") for start, _ in found] == [
        "Mon 09:30",
        "Tue 09:30",
        "Thu 09:30",
        "Fri 09:30",
    ]


def test_a_whole_day_and_a_floating_time_are_in_the_reps_zone():
    data = vcalendar(
        "UID:off\r\nDTSTART;VALUE=DATE:20300108\r\nDTEND;VALUE=DATE:20300109\r\nSUMMARY:Day off\r\n",
        "UID:float\r\nDTSTART:20300110T130000\r\nDTEND:20300110T140000\r\n",
    )
    assert busy_windows([data], LO, HI, NEW_YORK) == [
        (datetime(2030, 1, 8, tzinfo=NEW_YORK), datetime(2030, 1, 9, tzinfo=NEW_YORK)),
        (datetime(2030, 1, 10, 13, tzinfo=NEW_YORK), datetime(2030, 1, 10, 14, tzinfo=NEW_YORK)),
    ]


def test_free_and_cancelled_events_leave_the_rep_free():
    data = vcalendar(
        "UID:a\r\nDTSTART:20300108T150000Z\r\nDTEND:20300108T160000Z\r\nTRANSP:TRANSPARENT\r\n",
        "UID:b\r\nDTSTART:20300108T170000Z\r\nDTEND:20300108T180000Z\r\nSTATUS:CANCELLED\r\n",
        "UID:c\r\nDTSTART:20300108T190000Z\r\nDTEND:20300108T200000Z\r\nTRANSP:OPAQUE\r\nSTATUS:CONFIRMED\r\n",
    )
    assert busy_windows([data], LO, HI, NEW_YORK) == [(utc(8, 19), utc(8, 20))]


def test_busy_intervals_are_clipped_to_the_range_asked():
    data = vcalendar(
        "UID:a\r\nDTSTART:20300106T220000Z\r\nDTEND:20300107T020000Z\r\n",
        "UID:b\r\nDTSTART:20300120T100000Z\r\nDTEND:20300120T110000Z\r\n",  # outside
    )
    assert busy_windows([data], LO, HI, NEW_YORK) == [(LO, utc(7, 2))]


def test_data_that_is_not_icalendar_is_a_value_error():
    with pytest.raises(ValueError):
        busy_windows(["<html>maintenance</html>"], LO, HI, NEW_YORK)


# --------------------------------------------------------------------------- the CalDAV exchange


def test_the_calendar_query_asks_for_events_in_the_range_in_utc():
    body = calendar_query(datetime(2030, 1, 7, 9, tzinfo=NEW_YORK), HI)
    assert '<C:time-range start="20300107T140000Z" end="20300114T000000Z"/>' in body
    assert '<C:comp-filter name="VEVENT">' in body and "<C:calendar-data/>" in body


def test_calendar_data_is_read_from_a_multistatus():
    answer = (
        b'<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        b"<D:response><D:href>/a.ics</D:href><D:propstat><D:prop><C:calendar-data>BEGIN:VCALENDAR"
        b"</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
        b"<D:response><D:href>/b.ics</D:href><D:propstat><D:prop><C:calendar-data/></D:prop>"
        b"<D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response></D:multistatus>"
    )
    assert calendar_data(answer) == ["BEGIN:VCALENDAR"]
    for wrong in (b"<html/>", b"not xml at all"):
        with pytest.raises(ValueError):
            calendar_data(wrong)


# --------------------------------------------------------------------------- the calendars file


def test_the_calendars_file_names_the_password_variable():
    secrets = {"CALDAV_PASSWORD_OLIVIA": "s3cret"}
    accounts = parse_accounts(
        {
            "reps": {
                "Olivia.Bennett@shop.example": {
                    "url": "https://dav.example.com/olivia/work",
                    "username": "olivia",
                    "password_env": "CALDAV_PASSWORD_OLIVIA",
                }
            }
        },
        secret=lambda name: secrets.get(name, ""),
    )
    account = accounts["olivia.bennett@shop.example"]
    assert (account.url, account.username, account.password) == (
        "https://dav.example.com/olivia/work/",
        "olivia",
        "s3cret",
    )
    assert "s3cret" not in repr(account)
    assert parse_accounts(None) == {} and parse_accounts({"reps": {}}) == {}


@pytest.mark.parametrize(
    "raw, says",
    [
        (["a list"], "mapping"),
        ({"reps": {"a@b.c": "https://x"}}, "a@b.c"),
        ({"reps": {"a@b.c": {"url": "https://x/", "username": "a"}}}, "password_env missing"),
        ({"reps": {"a@b.c": {"url": "ftp://x/", "username": "a", "password_env": "P"}}}, "http(s)"),
    ],
)
def test_a_malformed_calendars_file_says_what_is_wrong(raw, says):
    with pytest.raises(ValueError, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse_accounts(raw, secret=lambda name: "")


# --------------------------------------------------------------------------- closed dates


def test_closed_dates_for_every_team_or_some():
    closed = parse_closed_dates(
        {
            "closed": [
                {"date": date(2030, 1, 1), "name": "New Year's Day"},
                {"date": "2030-01-21", "name": "MLK Day", "teams": ["smb"]},
            ]
        }
    )
    assert closed_days(closed, "smb") == {date(2030, 1, 1), date(2030, 1, 21)}
    assert closed_days(closed, "enterprise") == {date(2030, 1, 1)}
    assert parse_closed_dates(None) == [] and parse_closed_dates({"closed": []}) == []


@pytest.mark.parametrize(
    "raw",
    [
        {"closed": [{"name": "no date"}]},
        {"closed": [{"date": "01/02/2030"}]},
        {"closed": [{"date": 20300101}]},
        {"closed": [{"date": "2030-01-01", "teams": "smb"}]},
        ["not a mapping"],
    ],
)
def test_a_malformed_closed_date_is_a_value_error(raw):
    with pytest.raises(ValueError):
        parse_closed_dates(raw)


def test_the_seeds_closed_dates_are_read():
    from shop.closed_dates import load_closed_dates
    from shop.settings import SEED_DIR

    closed = load_closed_dates(SEED_DIR / "closed_dates.yml")
    assert date(2026, 12, 25) in closed_days(closed, "smb")
    assert date(2026, 12, 28) in closed_days(closed, "enterprise") - closed_days(closed, "smb")  # UK only


# --------------------------------------------------------------------------- free starts


def local(starts) -> list[str]:
    return [s.astimezone(NEW_YORK).strftime("%a %H:%M") for s in starts]


def test_free_starts_are_working_hours_minus_closed_days_minus_busy():
    windows = [
        (datetime(2030, 1, day, 9, tzinfo=NEW_YORK), datetime(2030, 1, day, 11, tzinfo=NEW_YORK)) for day in (7, 8, 9)
    ]
    busy = [(datetime(2030, 1, 7, 9, 45, tzinfo=NEW_YORK), datetime(2030, 1, 7, 10, 15, tzinfo=NEW_YORK))]
    closed = frozenset({date(2030, 1, 8)})
    found = list(open_starts(windows, busy, closed, NEW_YORK, LO, HI))
    assert local(found) == ["Mon 09:00", "Mon 10:30", "Wed 09:00", "Wed 09:30", "Wed 10:00", "Wed 10:30"]
    assert all(s.tzinfo is not None and s.minute in (0, 30) for s in found)


def test_free_starts_begin_at_lo_on_the_grid_and_stop_before_hi():
    windows = [(datetime(2030, 1, 7, 9, tzinfo=NEW_YORK), datetime(2030, 1, 7, 12, tzinfo=NEW_YORK))]
    lo = datetime(2030, 1, 7, 9, 40, tzinfo=NEW_YORK)
    hi = datetime(2030, 1, 7, 11, tzinfo=NEW_YORK)
    assert local(open_starts(windows, [], frozenset(), NEW_YORK, lo, hi)) == ["Mon 10:00", "Mon 10:30"]
    assert list(open_starts(windows, [(lo - timedelta(hours=1), hi)], frozenset(), NEW_YORK, lo, hi)) == []
