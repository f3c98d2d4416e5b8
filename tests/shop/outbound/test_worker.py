"""The outbox and its worker on SQLite and PostgreSQL: a due message is sent once through
Rasa's API, a restart loses nothing, failures are retried with backoff then parked, workers
racing each other never send a message twice, and the rules hold messages back or drop them."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from shop import consent
from shop.db import session_factory
from shop.models import Contact, OutboundMessage
from shop.outbound import outbox
from shop.outbound.rasa_api import RasaApi
from shop.outbound.rules import load_rules
from shop.outbound.worker import run_once
from tests.support import services
from tests.support.rasa_api import TOKEN, RasaStandIn

RULES = load_rules()
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)  # a Tuesday, 11:00 in New York


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, shop_db, monkeypatch):
    if request.param == "sqlite":
        return session_factory(shop_db)
    return session_factory(services.shop_postgres(monkeypatch))


@pytest.fixture
def rasa(sessions):
    with RasaStandIn(sessions) as stand_in:
        yield stand_in


def api(rasa) -> RasaApi:
    return RasaApi(rasa.url, TOKEN)


def write(sessions, sender="web-1", message_type="order_confirmation", due=NOW, channel="socketio", **kw) -> int:
    with sessions.begin() as session:
        message = outbox.enqueue(
            session,
            RULES,
            sender,
            message_type,
            f"utter_outbound_{message_type}",
            {"order_id": "A1009"},
            due,
            channel=channel,
            **kw,
        )
        return message.id


def row(sessions, message_id) -> OutboundMessage:
    with sessions() as session:
        return session.get(OutboundMessage, message_id)


def at(seconds: float):
    return lambda: NOW + timedelta(seconds=seconds)


def test_a_due_message_goes_once_through_rasas_api_on_its_channel(sessions, rasa):
    message_id = write(sessions)
    assert run_once(sessions, RULES, api(rasa), at(0)) == {message_id: "sent"}
    assert run_once(sessions, RULES, api(rasa), at(60)) == {}
    assert len(rasa.calls) == 1
    call = rasa.calls[0]
    assert call["path"] == "/conversations/web-1/trigger_intent"
    assert call["query"]["output_channel"] == "socketio"
    assert call["body"] == {"name": "EXTERNAL_outbound", "entities": {"outbox_id": message_id}}
    sent = row(sessions, message_id)
    assert (sent.status, sent.sent_at is not None, sent.attempts) == ("sent", True, 0)


def test_a_message_due_later_waits_for_its_time(sessions, rasa):
    message_id = write(sessions, due=NOW + timedelta(hours=24))
    assert run_once(sessions, RULES, api(rasa), at(0)) == {}
    assert run_once(sessions, RULES, api(rasa), at(24 * 3600)) == {message_id: "sent"}


def test_a_message_claimed_by_a_worker_that_died_is_sent_after_its_lease(sessions, rasa):
    message_id = write(sessions)
    with sessions.begin() as session:  # a worker claims it, then the process is killed
        assert outbox.claim(session, NOW) == [message_id]
    assert run_once(sessions, RULES, api(rasa), at(1)) == {}  # still that worker's
    later = outbox.LEASE.total_seconds() + 1
    assert run_once(sessions, RULES, api(rasa), at(later)) == {message_id: "sent"}
    assert rasa.delivered[message_id] == 1


def test_a_failed_send_is_retried_after_a_delay_doubling_each_time(sessions, rasa):
    message_id = write(sessions)
    rasa.fail_next = 2
    assert run_once(sessions, RULES, api(rasa), at(0)) == {message_id: "pending"}
    failed = row(sessions, message_id)
    assert failed.attempts == 1 and "Rasa answered 500" in failed.last_error
    assert failed.due_at == (NOW + timedelta(seconds=30)).replace(tzinfo=None)
    assert run_once(sessions, RULES, api(rasa), at(29)) == {}
    assert run_once(sessions, RULES, api(rasa), at(30)) == {message_id: "pending"}
    assert row(sessions, message_id).due_at == (NOW + timedelta(seconds=90)).replace(tzinfo=None)
    assert run_once(sessions, RULES, api(rasa), at(90)) == {message_id: "sent"}
    assert len(rasa.calls) == 3 and rasa.delivered[message_id] == 1


def test_a_message_that_keeps_failing_is_parked_with_its_error(sessions, rasa):
    message_id = write(sessions)
    rasa.fail_next = 100
    elapsed, statuses = 0.0, []
    for _ in range(RULES.attempts):
        statuses += run_once(sessions, RULES, api(rasa), at(elapsed)).values()
        elapsed += RULES.max_delay.total_seconds()
    assert statuses == ["pending"] * (RULES.attempts - 1) + ["parked"]
    parked = row(sessions, message_id)
    assert (parked.status, parked.attempts) == ("parked", RULES.attempts)
    assert "Rasa answered 500" in parked.last_error
    assert run_once(sessions, RULES, api(rasa), at(elapsed + 10**6)) == {}


def test_an_unreachable_rasa_is_a_failure_too(sessions):
    message_id = write(sessions)
    assert run_once(sessions, RULES, RasaApi("http://127.0.0.1:9", TOKEN), at(0)) == {message_id: "pending"}
    assert "unreachable" in row(sessions, message_id).last_error


def test_rasa_answering_without_delivering_is_no_success(sessions):
    with RasaStandIn(sessions, deliver=False) as rasa:  # e.g. a model without the EXTERNAL_ rule
        message_id = write(sessions)
        assert run_once(sessions, RULES, api(rasa), at(0)) == {message_id: "pending"}
    assert "did not deliver" in row(sessions, message_id).last_error


def test_a_message_is_delivered_once_even_when_rasa_is_asked_twice(sessions):
    message_id = write(sessions)
    with sessions.begin() as session:
        outbox.claim(session, NOW)
    with sessions.begin() as session:
        assert outbox.deliver(session, message_id, NOW).id == message_id
    with sessions.begin() as session:
        assert outbox.deliver(session, message_id, NOW) is None


@pytest.mark.parametrize("workers", [2, 4])
def test_racing_workers_send_every_message_exactly_once(sessions, rasa, workers):
    ids = [write(sessions, sender=f"web-{n}") for n in range(30)]
    rasa.on_call = lambda: threading.Event().wait(0.01)  # a send takes a while, as through Rasa
    barrier = threading.Barrier(workers)
    errors = []

    def work():
        barrier.wait()
        try:
            while run_once(sessions, RULES, api(rasa), at(0), batch=3):
                pass
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert len(rasa.calls) == len(ids)
    assert rasa.delivered == dict.fromkeys(ids, 1)
    with sessions() as session:
        assert set(session.scalars(select(OutboundMessage.status))) == {"sent"}


# --------------------------------------------------------------------------- the rules at work


def test_nothing_goes_to_an_opted_out_contact_and_the_reason_is_kept(sessions, rasa):
    message_id = write(sessions, sender="+15550001", channel="twilio")
    with sessions.begin() as session:
        consent.record(session, "+15550001", "twilio", consent.OPTED_OUT, "keyword STOP")
    assert run_once(sessions, RULES, api(rasa), at(0)) == {message_id: "dropped"}
    assert row(sessions, message_id).last_error == "opted out on twilio"
    assert rasa.calls == []


def test_marketing_outside_the_hours_waits_for_them_then_goes(sessions, rasa):
    with sessions.begin() as session:
        consent.record(session, "web-1", "socketio", consent.OPTED_IN, "widget checkbox", wording="Offers?")
    saturday = NOW + timedelta(days=4)
    message_id = write(sessions, message_type="back_in_stock", due=saturday, timezone="Europe/Paris")
    assert run_once(sessions, RULES, api(rasa), lambda: saturday) == {message_id: "pending"}
    waiting = row(sessions, message_id)
    monday_ten_in_paris = datetime(2026, 3, 16, 9, 0)
    assert (waiting.due_at, waiting.last_error) == (monday_ten_in_paris, "outside the marketing hours")
    assert rasa.calls == []
    monday = lambda: monday_ten_in_paris.replace(tzinfo=timezone.utc)  # noqa: E731
    assert run_once(sessions, RULES, api(rasa), monday) == {message_id: "sent"}


def test_marketing_messenger_may_not_carry_is_offered_on_the_channel_the_person_opted_in_on(sessions, rasa):
    with sessions.begin() as session:
        session.add(Contact(sender_id="+15550002", email="ann@example.com", channel="twilio"))
        consent.record(session, "+15550002", "twilio", consent.OPTED_IN, "keyword START")
        session.add(Contact(sender_id="psid-9", email="Ann@example.com"))
    message_id = write(sessions, sender="psid-9", message_type="abandoned_purchase", channel="facebook")
    with sessions.begin() as session:
        consent.record(session, "psid-9", "facebook", consent.OPTED_IN, "chat")
    assert run_once(sessions, RULES, api(rasa), at(0)) == {message_id: "dropped"}
    assert "offered on twilio instead" in row(sessions, message_id).last_error
    moved = run_once(sessions, RULES, api(rasa), at(1))
    assert [row(sessions, m).sender_id for m in moved] == ["+15550002"]
    assert [c["path"] for c in rasa.calls] == ["/conversations/%2B15550002/trigger_intent"]
    assert rasa.calls[0]["query"]["output_channel"] == "twilio"


def test_a_message_goes_on_the_contacts_known_channel_and_none_is_written_without_one(sessions):
    with sessions.begin() as session:
        assert outbox.enqueue(session, RULES, "nobody", "shipping_update", "utter_x", {}, NOW) is None
        outbox.enqueue(session, RULES, "web-3", "order_confirmation", "utter_x", {}, NOW, channel="socketio")
        later = outbox.enqueue(session, RULES, "web-3", "shipping_update", "utter_x", {}, NOW)
        assert (later.channel, later.kind) == ("socketio", "transactional")
