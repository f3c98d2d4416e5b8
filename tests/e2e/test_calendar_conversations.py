"""Booking over REST against both real servers with the reps' calendars on a real CalDAV server
(Radicale): a rep who fills the offered time in their calendar before the customer says yes
makes the chat offer other times, and the booking then made appears in the rep's calendar."""

from datetime import timedelta

import pytest
from dateutil import parser as date_parser
from icalendar import Calendar

from tests.support.caldav import calendars_file
from tests.support.servers import Chat

pytestmark = pytest.mark.e2e

REPS = {"olivia.bennett@shop.example": "olivia", "marcus.reid@shop.example": "marcus"}


@pytest.fixture
def rep_calendars(servers, radicale):
    """The small-business reps' calendars listed in the running servers' calendars file:
    {rep name: (calendar url, user)}; the file emptied again afterwards."""
    import uuid

    listed, by_name = {}, {}
    for email, user in REPS.items():
        url = radicale.make_calendar(user, f"e2e-{uuid.uuid4().hex[:8]}")
        listed[email] = (url, user, f"CALDAV_PASSWORD_{user.upper()}")
        by_name[email.split("@")[0].replace(".", " ").title()] = (url, user)
    path = servers.workdir / "calendars.yml"
    calendars_file(path, listed)
    yield by_name
    path.write_text("reps: {}\n")


def slot_buttons(replies):
    return [b for m in replies for b in m.get("buttons", []) if "meeting_slot" in b["payload"]]


def start_of(button) -> str:
    return button["payload"].split('"meeting_slot": "')[1].split('"')[0]


def test_a_time_filled_in_the_reps_calendar_meanwhile_is_replaced_and_the_booking_lands_there(
    servers, radicale, rep_calendars
):
    from tests.support.caldav import busy_event

    chat = Chat(servers)
    email = f"{chat.sender}@example.com"
    assert "email" in chat.text("book a meeting").lower()
    assert "time zone" in chat.text(email).lower()
    assert "when would suit you" in chat.text("eastern time").lower()
    offered = slot_buttons(chat.say("tomorrow afternoon"))
    assert offered
    first = offered[0]
    rep = next(name for name in rep_calendars if first["title"].endswith(f"with {name}"))
    url, user = rep_calendars[rep]
    assert "Shall I book" in chat.text(first["payload"])

    # Before the customer says yes, the rep books something else at that time.
    taken = date_parser.isoparse(start_of(first))
    radicale.add_event(url, user, "rep-call", busy_event("rep-call", taken, taken + timedelta(minutes=30)))
    again = chat.say("yes")
    texts = " ".join(m.get("text", "") for m in again)
    assert "that time has just been taken" in texts
    others = slot_buttons(again)
    # That time may come again, with the other rep only.
    assert others and (start_of(first), first["title"]) not in [(start_of(b), b["title"]) for b in others]
    assert all(not b["title"].endswith(f"with {rep}") for b in others if start_of(b) == start_of(first))
    assert chat.slots()["booking_ref"] is None

    second = others[0]
    assert "Shall I book" in chat.text(second["payload"])
    done = chat.say("yes")
    assert any("Booked:" in m.get("text", "") for m in done)
    reference = chat.slots()["booking_ref"]
    booked_rep = next(name for name in rep_calendars if second["title"].endswith(f"with {name}"))
    url, user = rep_calendars[booked_rep]
    events = [next(iter(Calendar.from_ical(t).walk("VEVENT"))) for t in radicale.events(url, user).values()]
    ours = [e for e in events if reference in str(e.get("SUMMARY"))]
    assert len(ours) == 1 and ours[0].start == date_parser.isoparse(start_of(second))
    assert ours[0]["ATTENDEE"] == f"mailto:{email}"
