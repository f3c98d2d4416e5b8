"""When customers want to meet, turned into a window in their zone: fixed clocks, month and
year ends, daylight-saving changes, and text that names no time at all."""

from datetime import datetime, timedelta, timezone

import pytest
from dateutil import tz

from shop.parsing.dates import TimeRequest, describe, parse_time_request, parse_timezone

NY = tz.gettz("America/New_York")
LONDON = tz.gettz("Europe/London")
UTC = timezone.utc

FRI_JAN30 = datetime(2026, 1, 30, 10, 10, tzinfo=NY)  # month end; Friday is the month's last working day
FRI_JAN30_EVENING = datetime(2026, 1, 30, 18, 0, tzinfo=NY)  # the month's last working day is over
MON_FEB2 = datetime(2026, 2, 2, 10, 0, tzinfo=NY)
TUE_FEB3 = datetime(2026, 2, 3, 10, 0, tzinfo=NY)
WED_DEC30 = datetime(2026, 12, 30, 11, 0, tzinfo=NY)  # year end
FRI_MAR6 = datetime(2026, 3, 6, 10, 0, tzinfo=NY)  # US clocks go forward on Sunday 8 March
FRI_OCT30 = datetime(2026, 10, 30, 10, 0, tzinfo=NY)  # US clocks go back on Sunday 1 November
FRI_MAR27_LONDON = datetime(2026, 3, 27, 10, 0, tzinfo=LONDON)  # UK clocks go forward on Sunday 29 March
THU_JAN29_22H_AS_UTC = datetime(2026, 1, 30, 3, 0, tzinfo=UTC)  # Thursday 22:00 in New York


def assert_same(actual: datetime, expected: datetime) -> None:
    """Same instant AND same wall clock and offset: `==` alone ignores the offset within one tzinfo."""
    assert actual.astimezone(UTC) == expected.astimezone(UTC), (actual, expected)
    assert (actual.replace(tzinfo=None), actual.utcoffset()) == (expected.replace(tzinfo=None), expected.utcoffset()), (
        actual,
        expected,
    )


def local(zone, *fields) -> datetime:
    return datetime(*fields, tzinfo=zone)


@pytest.mark.parametrize(
    "now, text, start, end, exact",
    [
        # month end: Friday 30 January 2026, 10:10 in New York
        (FRI_JAN30, "next tuesday at 3pm", (2026, 2, 3, 15), (2026, 2, 3, 15, 30), True),
        (FRI_JAN30, "friday", (2026, 2, 6, 9), (2026, 2, 6, 17), False),  # said on a Friday: next week's
        (FRI_JAN30, "this friday", (2026, 1, 30, 10, 10), (2026, 1, 30, 17), False),  # today, from now
        (FRI_JAN30, "friday at 4pm", (2026, 1, 30, 16), (2026, 1, 30, 16, 30), True),  # today, still ahead
        (FRI_JAN30, "friday afternoon", (2026, 1, 30, 12), (2026, 1, 30, 17), False),
        (FRI_JAN30, "tomorrow morning", (2026, 1, 31, 9), (2026, 1, 31, 12), False),
        (FRI_JAN30, "this afternoon", (2026, 1, 30, 12), (2026, 1, 30, 17), False),
        (FRI_JAN30, "this morning", (2026, 1, 30, 10, 10), (2026, 1, 30, 12), False),  # started: from now
        (FRI_JAN30, "tomorrow", (2026, 1, 31, 9), (2026, 1, 31, 17), False),
        (FRI_JAN30, "Monday", (2026, 2, 2, 9), (2026, 2, 2, 17), False),
        (FRI_JAN30, "how about monday at 10:30?", (2026, 2, 2, 10, 30), (2026, 2, 2, 11), True),
        (FRI_JAN30, "the 3rd at 10:30", (2026, 2, 3, 10, 30), (2026, 2, 3, 11), True),
        (FRI_JAN30, "the 31st", (2026, 1, 31, 9), (2026, 1, 31, 17), False),
        (FRI_JAN30, "on the 15th", (2026, 2, 15, 9), (2026, 2, 15, 17), False),
        # 30 January 9:00 has passed and February has no 30th (and by March 30 it is EDT)
        (FRI_JAN30, "the 30th at 9am", (2026, 3, 30, 9), (2026, 3, 30, 9, 30), True),
        (FRI_JAN30, "March 5 at 2pm", (2026, 3, 5, 14), (2026, 3, 5, 14, 30), True),
        (FRI_JAN30, "let's say 5 March", (2026, 3, 5, 9), (2026, 3, 5, 17), False),
        (FRI_JAN30, "feb 29", (2028, 2, 29, 9), (2028, 2, 29, 17), False),  # the next leap year
        (FRI_JAN30, "in two weeks", (2026, 2, 13, 9), (2026, 2, 13, 17), False),
        (FRI_JAN30, "in 2 weeks", (2026, 2, 13, 9), (2026, 2, 13, 17), False),
        (FRI_JAN30, "in 3 days", (2026, 2, 2, 9), (2026, 2, 2, 17), False),
        (FRI_JAN30, "3 days from now at 2pm", (2026, 2, 2, 14), (2026, 2, 2, 14, 30), True),
        (FRI_JAN30, "in an hour", (2026, 1, 30, 11, 30), (2026, 1, 30, 12), True),  # 11:10 rounded up
        (FRI_JAN30, "in half an hour", (2026, 1, 30, 11), (2026, 1, 30, 11, 30), True),
        (FRI_JAN30, "next week", (2026, 2, 2, 9), (2026, 2, 6, 17), False),
        (FRI_JAN30, "this week works for me", (2026, 1, 30, 10, 10), (2026, 1, 30, 17), False),
        (FRI_JAN30, "end of the month", (2026, 1, 30, 10, 10), (2026, 1, 30, 17), False),
        (FRI_JAN30, "at 9am", (2026, 1, 31, 9), (2026, 1, 31, 9, 30), True),  # passed today: tomorrow
        (FRI_JAN30, "at 4", (2026, 1, 30, 16), (2026, 1, 30, 16, 30), True),  # bare 1-7 is pm
        (FRI_JAN30, "can we do 3 pm please", (2026, 1, 30, 15), (2026, 1, 30, 15, 30), True),
        (FRI_JAN30, "15:00", (2026, 1, 30, 15), (2026, 1, 30, 15, 30), True),
        (FRI_JAN30, "10.30am", (2026, 1, 30, 10, 30), (2026, 1, 30, 11), True),
        (FRI_JAN30, "maybe midday tomorrow", (2026, 1, 31, 12), (2026, 1, 31, 12, 30), True),
        (FRI_JAN30, "tonight at 8", (2026, 1, 30, 20), (2026, 1, 30, 20, 30), True),
        (FRI_JAN30, "asap", (2026, 1, 30, 10, 10), (2026, 2, 1, 10, 10), False),
        (FRI_JAN30, "as soon as possible", (2026, 1, 30, 10, 10), (2026, 2, 1, 10, 10), False),
        (FRI_JAN30, "now", (2026, 1, 30, 10, 10), (2026, 2, 1, 10, 10), False),
        # Monday and Tuesday
        (MON_FEB2, "next tuesday", (2026, 2, 3, 9), (2026, 2, 3, 17), False),  # said on a Monday: tomorrow
        (MON_FEB2, "monday at 4pm", (2026, 2, 2, 16), (2026, 2, 2, 16, 30), True),  # today, still ahead
        (MON_FEB2, "monday at 9am", (2026, 2, 9, 9), (2026, 2, 9, 9, 30), True),  # today's has passed
        (MON_FEB2, "on monday", (2026, 2, 9, 9), (2026, 2, 9, 17), False),
        (MON_FEB2, "this monday", (2026, 2, 2, 10), (2026, 2, 2, 17), False),
        (TUE_FEB3, "next tuesday", (2026, 2, 10, 9), (2026, 2, 10, 17), False),  # said on a Tuesday
        (TUE_FEB3, "next tuesday at 3pm", (2026, 2, 10, 15), (2026, 2, 10, 15, 30), True),
        (TUE_FEB3, "the 3rd at 10:30", (2026, 2, 3, 10, 30), (2026, 2, 3, 11), True),  # today, ahead
        (TUE_FEB3, "the 3rd at 9:30", (2026, 3, 3, 9, 30), (2026, 3, 3, 10), True),  # passed: next month
        # year end: Wednesday 30 December 2026, 11:00
        (WED_DEC30, "tomorrow", (2026, 12, 31, 9), (2026, 12, 31, 17), False),
        (WED_DEC30, "friday", (2027, 1, 1, 9), (2027, 1, 1, 17), False),
        (WED_DEC30, "next week", (2027, 1, 4, 9), (2027, 1, 8, 17), False),
        (WED_DEC30, "the 2nd", (2027, 1, 2, 9), (2027, 1, 2, 17), False),
        (WED_DEC30, "Dec 31 at 3pm", (2026, 12, 31, 15), (2026, 12, 31, 15, 30), True),
        (WED_DEC30, "dec 29", (2027, 12, 29, 9), (2027, 12, 29, 17), False),
        (WED_DEC30, "January 5th at 10am", (2027, 1, 5, 10), (2027, 1, 5, 10, 30), True),
        (WED_DEC30, "in 3 days", (2027, 1, 2, 9), (2027, 1, 2, 17), False),
        (WED_DEC30, "end of the month", (2026, 12, 31, 9), (2026, 12, 31, 17), False),
        (WED_DEC30, "next wednesday at noon", (2027, 1, 6, 12), (2027, 1, 6, 12, 30), True),
        (FRI_JAN30_EVENING, "end of the month", (2026, 2, 27, 9), (2026, 2, 27, 17), False),  # next month's
        (WED_DEC30, "at 10", (2026, 12, 31, 10), (2026, 12, 31, 10, 30), True),
        # daylight saving: wall-clock times stay put, the offset changes
        (FRI_MAR6, "monday at 10am", (2026, 3, 9, 10), (2026, 3, 9, 10, 30), True),
        (FRI_MAR6, "next week", (2026, 3, 9, 9), (2026, 3, 13, 17), False),
        (FRI_MAR6, "sunday at 2:30am", (2026, 3, 8, 3, 30), (2026, 3, 8, 4), True),  # 2:30 does not exist
        (FRI_OCT30, "monday 9am", (2026, 11, 2, 9), (2026, 11, 2, 9, 30), True),
        (FRI_OCT30, "in 3 days", (2026, 11, 2, 9), (2026, 11, 2, 17), False),
    ],
)
def test_parse_time_request_in_new_york(now, text, start, end, exact):
    request = parse_time_request(text, now, NY)
    assert request is not None, text
    assert_same(request.start, local(NY, *start))
    assert_same(request.end, local(NY, *end))
    assert request.exact is exact


def test_dst_spring_forward_keeps_the_wall_clock():
    request = parse_time_request("monday at 10am", FRI_MAR6, NY)
    assert request.start.astimezone(UTC) == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # 10:00 EDT
    assert request.end.astimezone(UTC) == datetime(2026, 3, 9, 14, 30, tzinfo=UTC)
    assert describe(request.start) == "Monday 9 March, 10:00 AM EDT"


def test_dst_fall_back_keeps_the_wall_clock():
    request = parse_time_request("monday 9am", FRI_OCT30, NY)
    assert request.start.astimezone(UTC) == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert describe(request.start) == "Monday 2 November, 9:00 AM EST"


def test_exact_slot_is_thirty_real_minutes_in_the_repeated_hour():
    now = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)  # 00:30 EDT, an hour before the clocks go back
    request = parse_time_request("in an hour", now, NY)
    assert request.start.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert request.end.astimezone(UTC) == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # 01:00 EST
    assert describe(request.end) == "Sunday 1 November, 1:00 AM EST"


@pytest.mark.parametrize(
    "text, start, end, exact",
    [
        ("monday at 9am", (2026, 3, 30, 9), (2026, 3, 30, 9, 30), True),  # BST, UTC+1
        ("tomorrow afternoon", (2026, 3, 28, 12), (2026, 3, 28, 17), False),  # still GMT
        ("next week", (2026, 3, 30, 9), (2026, 4, 3, 17), False),
    ],
)
def test_parse_time_request_in_london(text, start, end, exact):
    request = parse_time_request(text, FRI_MAR27_LONDON, LONDON)
    assert_same(request.start, local(LONDON, *start))
    assert_same(request.end, local(LONDON, *end))
    assert request.exact is exact
    if text == "monday at 9am":
        assert request.start.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_now_in_another_zone_is_read_in_the_customers_zone():
    # 03:00 UTC on Friday is still Thursday evening in New York
    assert parse_time_request("tomorrow", THU_JAN29_22H_AS_UTC, NY) == TimeRequest(
        local(NY, 2026, 1, 30, 9), local(NY, 2026, 1, 30, 17), False
    )
    request = parse_time_request("friday at 2pm", THU_JAN29_22H_AS_UTC, NY)
    assert_same(request.start, local(NY, 2026, 1, 30, 14))
    assert request.start.tzinfo is NY


@pytest.mark.parametrize(
    "text",
    [
        "I don't know",
        "whenever",
        "blue",
        "",
        "   ",
        "what colours does it come in?",
        "12/3",  # numeric dates are ambiguous (US vs everyone else): not read
        "13pm",
        "25:00",  # times that cannot be
        "today at 9am",  # passed, and the day was said: nothing sensible
        "March 5 2020",  # an explicit year in the past
        "next weekend",  # weekends are not meeting days; not read
    ],
)
def test_no_time_named(text):
    assert parse_time_request(text, FRI_JAN30, NY) is None


@pytest.mark.parametrize(
    "text, zone",
    [
        ("EST", "America/New_York"),
        ("eastern", "America/New_York"),
        ("New York", "America/New_York"),
        ("I'm on eastern time", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("pacific", "America/Los_Angeles"),
        ("central", "America/Chicago"),
        ("CST", "America/Chicago"),
        ("mountain", "America/Denver"),
        ("London", "Europe/London"),
        ("UK", "Europe/London"),
        ("GMT", "Europe/London"),
        ("BST", "Europe/London"),
        ("CET", "Europe/Berlin"),
        ("central european time", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("Paris", "Europe/Paris"),
        ("Toronto", "America/Toronto"),
        ("Vancouver", "America/Vancouver"),
        ("UTC", "UTC"),
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("asia/tokyo", "Asia/Tokyo"),
        ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
        ("I'm in Sydney", "Australia/Sydney"),
        ("tokyo", "Asia/Tokyo"),
        ("blue", None),
        ("", None),
        ("Mars/Olympus", None),
        ("GMT+1", None),
        ("somewhere east", None),
    ],
)
def test_parse_timezone(text, zone):
    assert parse_timezone(text) == zone
    if zone:
        assert tz.gettz(zone) is not None


@pytest.mark.parametrize(
    "moment, text",
    [
        (local(NY, 2026, 11, 24, 15), "Tuesday 24 November, 3:00 PM EST"),
        (local(NY, 2026, 7, 4, 9, 5), "Saturday 4 July, 9:05 AM EDT"),
        (local(LONDON, 2026, 7, 1, 0, 30), "Wednesday 1 July, 12:30 AM BST"),
        (local(LONDON, 2026, 1, 5, 12), "Monday 5 January, 12:00 PM GMT"),
        (datetime(2026, 1, 1, 23, 59, tzinfo=tz.UTC), "Thursday 1 January, 11:59 PM UTC"),
    ],
)
def test_describe(moment, text):
    assert describe(moment) == text


def test_describe_reads_a_parsed_request():
    request = parse_time_request("next tuesday at 3pm", FRI_JAN30, NY)
    assert describe(request.start) == "Tuesday 3 February, 3:00 PM EST"
    assert request.end - request.start == timedelta(minutes=30)
