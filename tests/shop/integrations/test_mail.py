"""Email by SMTP against a real local SMTP server (aiosmtpd) started by the tests: meeting
confirmations with the .ics invite to the customer and the rep, the update of a moved meeting,
the cancellation (METHOD:CANCEL), the follow-up, the agent's reply; headers and attachments
checked; an SMTP outage is retried and nothing is lost."""

from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select

from shop import invites, meetings
from shop.handoff.followups import record_follow_up
from shop.integrations import events
from shop.integrations.mail import load_templates
from shop.integrations.worker import run_once
from shop.models import Booking, Delivery
from shop.settings import SEED_DIR
from tests.shop.integrations.test_deliveries import NOW, at
from tests.support.receivers import SmtpServer

CUSTOMER = "ana.silva@example.com"


@pytest.fixture(autouse=True)
def _signed_links(monkeypatch):
    monkeypatch.setenv("BOOKING_LINK_SECRET", "test-booking-secret")


def book(sessions):
    with sessions.begin() as session:
        slot = meetings.free_slots(session, "smb", NOW + timedelta(days=1), NOW + timedelta(days=2), NOW)[0]
        booking = meetings.book(
            session, slot.rep_id, slot.start, CUSTOMER, "Europe/Lisbon", sender_id="web-ana", now=NOW
        )
        return booking.reference, slot, booking.rep.email


def invite_of(message) -> tuple[str, str]:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part.get_param("method"), part.get_content()


def by_recipient(smtp) -> dict[str, object]:
    return {str(m["To"]): m for m in smtp.messages}


def test_a_booked_meeting_emails_the_customer_and_the_rep_with_the_invite(sessions, smtp):
    reference, slot, rep_email = book(sessions)
    statuses = run_once(sessions, now=at(0))
    assert list(statuses.values()) == ["sent", "sent"]
    mail = by_recipient(smtp)
    assert set(mail) == {CUSTOMER, rep_email}
    customer, rep = mail[CUSTOMER], mail[rep_email]
    assert customer["From"] == "Shop <hello@shop.example>"
    assert customer["Subject"].startswith(f"Your call with {slot.rep_name} on ")
    assert customer["Message-ID"].startswith("<delivery-") and customer["Date"]
    body = customer.get_body(("plain",)).get_content()
    assert "Just reply to this email" in body and body.count("?") == 1
    assert reference in body and "(Europe/Lisbon)" in body
    assert rep["Subject"].startswith(f"New call booked: {CUSTOMER} on ")
    assert customer["Reply-To"] == rep_email and rep["Reply-To"] == CUSTOMER  # a reply reaches the other
    method, ics = invite_of(customer)
    assert method == "REQUEST" and "METHOD:REQUEST" in ics
    with sessions() as session:
        booking = session.scalar(select(Booking).where(Booking.reference == reference))
        assert ics == invites.ics(booking, booking.rep.name, booking.rep.email)
    assert invite_of(rep) == (method, ics)
    assert sorted(rcpt for _, [rcpt] in smtp.envelopes) == sorted([CUSTOMER, rep_email])


def test_a_moved_meeting_sends_the_new_invite_and_a_cancelled_one_its_cancellation(sessions, smtp):
    reference, slot, rep_email = book(sessions)
    run_once(sessions, now=at(0))
    with sessions.begin() as session:
        moved = meetings.move_meeting(
            session, reference, CUSTOMER, slot.rep_id, slot.start + timedelta(hours=1), now=NOW
        )
        new_reference = moved.reference
    run_once(sessions, now=at(1))
    update = next(m for m in smtp.messages[2:] if m["To"] == CUSTOMER)
    assert update["Subject"].startswith(f"Your call with {slot.rep_name} is now on ")
    method, ics = invite_of(update)
    assert method == "REQUEST" and (slot.start + timedelta(hours=1)).strftime("DTSTART:%Y%m%dT%H%M%SZ") in ics
    rep_update = next(m for m in smtp.messages[2:] if m["To"] == rep_email)
    assert reference in rep_update.get_body(("plain",)).get_content()  # the rep sees which booking it was

    with sessions.begin() as session:
        meetings.cancel_meeting(session, new_reference, CUSTOMER)
    run_once(sessions, now=at(2))
    cancelled = next(m for m in smtp.messages[4:] if m["To"] == CUSTOMER)
    method, ics = invite_of(cancelled)
    assert method == "CANCEL" and "METHOD:CANCEL" in ics and "STATUS:CANCELLED" in ics
    assert cancelled["Subject"].endswith("is cancelled")
    assert len(smtp.messages) == 6


def test_a_follow_up_request_emails_the_customer_one_question(sessions, smtp):
    with sessions.begin() as session:
        reference = record_follow_up(
            session, "web-ana", "smb", "email_follow_up", "{}", CUSTOMER, "Small business sales"
        )
    run_once(sessions, now=at(0))
    [message] = smtp.messages
    assert (
        message["To"] == CUSTOMER
        and message["Subject"] == f"Your question for our Small business sales team ({reference})"
    )
    body = message.get_body(("plain",)).get_content()
    assert body.count("?") == 1 and "Just reply to this email" in body
    assert list(message.iter_attachments()) == []


def test_an_smtp_outage_is_retried_and_nothing_is_lost(sessions, smtp):
    smtp.stop()
    with sessions.begin() as session:
        record_follow_up(session, "web-ana", "smb", "email_follow_up", "{}", CUSTOMER, "Small business sales")
    assert list(run_once(sessions, now=at(0)).values()) == ["pending"]
    with sessions() as session:
        row = session.scalar(select(Delivery))
        assert row.attempts == 1 and "SMTP 127.0.0.1" in row.last_error
    smtp.start()  # back, on the same port
    assert run_once(sessions, now=at(1)) == {}  # not due before its backoff
    assert list(run_once(sessions, now=at(3600)).values()) == ["sent"]
    assert [m["To"] for m in smtp.messages] == [CUSTOMER]


def test_without_smtp_no_email_is_written(sessions):
    with sessions.begin() as session:
        record_follow_up(session, "web-ana", "smb", "email_follow_up", "{}", CUSTOMER, "Small business sales")
    with sessions() as session:
        assert session.scalars(select(Delivery)).all() == []
    assert not events.can_email()


def test_every_template_has_one_question_and_asks_for_a_reply():
    templates = yaml.safe_load((SEED_DIR / "emails.yml").read_text())
    assert set(templates) == {
        "follow_up",
        "agent_reply",
        *(f"meeting_{kind}_{who}" for kind in ("booked", "moved", "cancelled") for who in ("customer", "rep")),
    }
    for name, template in templates.items():
        words = template["body"].replace("{text}", "")
        assert words.count("?") == 1, name
        assert "reply to this email" in words.lower(), name
    assert load_templates(SEED_DIR / "emails.yml") == templates


def test_starttls_with_a_login_checks_the_servers_certificate(sessions, tmp_path, monkeypatch):
    with SmtpServer(tmp_path / "tls") as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        with sessions.begin() as session:
            record_follow_up(session, "web-ana", "smb", "email_follow_up", "{}", CUSTOMER, "Small business sales")
        assert list(run_once(sessions, now=at(0)).values()) == ["sent"]
        assert server.logins == ["shop"] and [m["To"] for m in server.messages] == [CUSTOMER]

        monkeypatch.setenv("SMTP_PASSWORD", "wrong")  # refused: kept for a retry, with the server's answer
        with sessions.begin() as session:
            record_follow_up(
                session, "web-bo", "smb", "email_follow_up", "{}", "bo@example.com", "Small business sales"
            )
        assert list(run_once(sessions, now=at(1)).values()) == ["pending"]
        monkeypatch.setenv("SMTP_PASSWORD", server.credentials[1])
        monkeypatch.delenv("SMTP_CA_FILE")  # a certificate the system does not trust: nothing is sent
        assert list(run_once(sessions, now=at(3600)).values()) == ["pending"]
        with sessions() as session:
            errors = [d.last_error for d in session.scalars(select(Delivery).where(Delivery.status == "pending"))]
        assert len(errors) == 1 and "CERTIFICATE_VERIFY_FAILED" in errors[0]
        assert [m["To"] for m in server.messages] == [CUSTOMER]


def test_a_meeting_moved_to_another_rep_cancels_it_for_the_first_one(sessions, smtp):
    reference, slot, first_rep = book(sessions)
    with sessions.begin() as session:
        offered = meetings.free_slots(session, "smb", slot.start, slot.start + timedelta(days=1), NOW, limit=10)
        other = next(s for s in offered if s.rep_id != slot.rep_id)
        meetings.move_meeting(session, reference, CUSTOMER, other.rep_id, other.start, now=NOW)
    run_once(sessions, now=at(0))
    moved = smtp.messages[2:]
    to_first = [m for m in moved if m["To"] == first_rep]
    assert len(to_first) == 1 and to_first[0]["Subject"].startswith(f"Call cancelled: {CUSTOMER} on ")
    assert invite_of(to_first[0])[0] == "CANCEL"
    new_rep = next(m for m in moved if m["To"] not in (first_rep, CUSTOMER))
    assert new_rep["Subject"].startswith(f"Call moved: {CUSTOMER} now on ")
    assert invite_of(new_rep)[0] == "REQUEST"
    assert sorted(str(m["To"]) for m in moved) == sorted([first_rep, CUSTOMER, str(new_rep["To"])])
