"""Calendar invites served by the real web app (python -m web): a signed link gives the meeting's
.ics as it is now (a CANCEL once cancelled, so a calendar fetching it again learns of it); an
unsigned, forged or unknown one is a 404 that says nothing more."""

from datetime import datetime, timedelta, timezone

import pytest
import requests
from icalendar import Calendar

from shop import invites, meetings
from shop.db import session_scope
from tests.support.database import copy_database
from tests.support.web_app import RasaStandIn, WebApp

SECRET = "invite-test-secret"
PUBLIC_URL = "https://shop.example"


@pytest.fixture(scope="module")
def web(tmp_path_factory, seeded_template):
    workdir = tmp_path_factory.mktemp("invites")
    copy_database(seeded_template, workdir / "shop.db")
    db_url = f"sqlite:///{workdir / 'shop.db'}"
    rasa = RasaStandIn("token-" + workdir.name)
    app = WebApp(workdir, db_url, rasa, extra_env={"BOOKING_LINK_SECRET": SECRET, "WEB_PUBLIC_URL": PUBLIC_URL})
    yield app
    app.stop()
    rasa.stop()


@pytest.fixture
def booking(web, monkeypatch):
    """A meeting booked in the web app's database: (reference, the link's path and query)."""
    monkeypatch.setenv("BOOKING_LINK_SECRET", SECRET)
    monkeypatch.setenv("WEB_PUBLIC_URL", PUBLIC_URL)
    now = datetime.now(timezone.utc)
    with session_scope(web.db_url) as session:
        slot = meetings.free_slots(session, "smb", now + timedelta(days=1), now + timedelta(days=15), now)[0]
        reference = meetings.book(
            session, slot.rep_id, slot.start, "ada@example.com", "Europe/Berlin", now=now
        ).reference
    link = invites.invite_url(reference)
    assert link.startswith(f"{PUBLIC_URL}/invites/{reference}.ics?t=")
    return reference, link.removeprefix(PUBLIC_URL)


def test_a_signed_link_gives_the_meetings_calendar_file(web, booking):
    reference, path = booking
    answer = requests.get(web.url + path, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    assert answer.headers["content-disposition"] == f'attachment; filename="{reference}.ics"'
    calendar = Calendar.from_ical(answer.text)
    [event] = calendar.walk("VEVENT")
    assert (calendar["METHOD"], event["UID"], event["SEQUENCE"]) == ("REQUEST", f"{reference}@shop.example", 0)


@pytest.mark.parametrize("tamper", ["forged", "unsigned", "other booking"])
def test_a_link_we_did_not_sign_is_not_found(web, booking, tamper):
    reference, path = booking
    bare = path.split("?")[0]
    wrong = {"forged": bare + "?t=0000", "unsigned": bare, "other booking": path.replace(reference, "M9999")}[tamper]
    answer = requests.get(web.url + wrong, timeout=10)
    assert answer.status_code == 404
    assert "VEVENT" not in answer.text


def test_a_cancelled_meeting_gives_its_cancellation(web, booking):
    reference, path = booking
    with session_scope(web.db_url) as session:
        meetings.cancel_booking(session, meetings.find_booking(session, reference, "ada@example.com"))
    answer = requests.get(web.url + path, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(answer.text)
    [event] = calendar.walk("VEVENT")
    assert (calendar["METHOD"], event["STATUS"]) == ("CANCEL", "CANCELLED")
    assert (event["UID"], event["SEQUENCE"]) == (f"{reference}@shop.example", 1)
