"""Sales over REST against both real servers: qualification, booking with an invite link,
rescheduling and cancelling, checked in the replies, the tracker and the database."""

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.support.servers import Chat
from tests.support.web_app import WebApp

pytestmark = pytest.mark.e2e


def bookings(servers, email):
    with create_engine(servers.shop_db).connect() as conn:
        return conn.execute(
            text("SELECT reference, status FROM bookings WHERE email = :e ORDER BY id"), {"e": email}
        ).fetchall()


def slot_buttons(replies):
    return [b for m in replies for b in m.get("buttons", []) if "meeting_slot" in b["payload"]]


def book_first_offered_slot(chat, email, wish="tomorrow afternoon"):
    assert "time zone" in chat.text(email).lower()
    assert "when would suit you" in chat.text("eastern time").lower()
    offered = slot_buttons(chat.say(wish))
    assert 1 <= len(offered) <= 3
    confirm = chat.text(offered[0]["payload"])
    assert "Shall I book" in confirm
    return chat.say("yes")


@pytest.fixture(scope="module")
def web(servers, tmp_path_factory):
    """The web app on the port the servers' invite links name, on their shop database."""
    secret = {"BOOKING_LINK_SECRET": servers.env["BOOKING_LINK_SECRET"]}
    app = WebApp(tmp_path_factory.mktemp("web"), servers.shop_db, servers, extra_env=secret, port=servers.web_port)
    yield app
    app.stop()


def test_business_inquiry_is_qualified_stored_and_booked(servers, web):
    chat = Chat(servers)
    email = f"{chat.sender}@buyer.example"
    assert "how many people" in chat.text("do you offer bulk discounts?").lower()
    assert "move forward" in chat.text("roughly 300 people").lower()
    assert "budget" in chat.text("skip").lower()  # skipped: the next question comes
    assert "role" in chat.text("about 20k").lower()
    assert "email" in chat.text("I'm the owner").lower()
    offer = chat.say(email)
    assert any(b["title"] == "Book a meeting" for m in offer for b in m.get("buttons", []))
    slots = chat.slots()
    assert (slots["lead_grade"], slots["sales_team"], slots["timeline"]) == ("hot", "wholesale", "skipped")
    with create_engine(servers.shop_db).connect() as conn:
        grade, team, size = conn.execute(
            text("SELECT grade, team, company_size FROM leads WHERE sender_id = :s"), {"s": chat.sender}
        ).one()
    assert (grade, team, size) == ("hot", "wholesale", 300)

    assert "time zone" in chat.text("yes").lower()  # the email is known: straight to the zone
    assert "when would suit you" in chat.text("eastern time").lower()
    offered = slot_buttons(chat.say("tomorrow afternoon"))
    assert 1 <= len(offered) <= 3
    assert "Shall I book" in chat.text(offered[0]["payload"])
    done = chat.say("yes")
    booked = next(m for m in done if "Booked:" in m.get("text", ""))
    reference = chat.slots()["booking_ref"]
    assert reference.startswith("M3") and reference in booked["text"]
    assert bookings(servers, email) == [(reference, "booked")]
    invite_url = booked["text"].split("calendar: ")[1].split(" ")[0]
    invite = requests.get(invite_url, timeout=30)
    assert invite.status_code == 200 and invite.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in invite.text and f"UID:{reference}" in invite.text
    forged = requests.get(invite_url.split("?")[0] + "?t=0000", timeout=30)
    assert forged.status_code == 404


def test_book_reschedule_and_cancel(servers):
    chat = Chat(servers)
    email = f"{chat.sender}@example.com"
    assert "email" in chat.text("book a meeting").lower()
    done = book_first_offered_slot(chat, email)
    reference = chat.slots()["booking_ref"]
    assert any(reference in m.get("text", "") for m in done)

    other = Chat(servers)  # another day, another device: the reference and email identify it
    assert "booking reference" in other.text("I need to reschedule my meeting").lower()
    assert "email" in other.text(reference).lower()
    assert "couldn't find" in other.text("wrong.person@example.com").lower()
    assert "time zone" in other.text(email).lower()
    assert "when would suit you" in other.text("London time").lower()
    offered = slot_buttons(other.say("friday afternoon"))
    assert offered
    moved = other.text(offered[-1]["payload"])
    new_reference = other.slots()["booking_ref"]
    assert "Booked:" in moved and new_reference != reference
    assert bookings(servers, email) == [(reference, "cancelled"), (new_reference, "booked")]

    third = Chat(servers)
    third.say("cancel my meeting")
    third.say(new_reference)
    assert "is cancelled" in third.text(email)
    assert bookings(servers, email)[-1] == (new_reference, "cancelled")
