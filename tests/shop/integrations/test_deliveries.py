"""Deliveries on SQLite and PostgreSQL, through a real local webhook receiver: written with the
change that causes them (and not at all for a target that is not configured), signed, sent
once by racing workers, retried with backoff, parked with the error, and nothing lost when a
worker dies holding one."""

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from shop import leads, orders, work_queue
from shop.integrations import config, deliveries
from shop.integrations.worker import run_once
from shop.models import Delivery, Variant

NOW = datetime(2030, 1, 7, 19, 0, tzinfo=timezone.utc)  # a Monday, every sales team at work
ANSWERS = {
    "need": "uniforms for our cafe staff",
    "company_size": 40,
    "timeline": "now",
    "budget": None,
    "role": "owner",
    "email": "ana.silva@example.com",
}
VISIT = {
    "page": "Uniforms",
    "path": "/uniforms",
    "product": None,
    "utm_source": "newsletter",
    "utm_medium": "email",
    "utm_campaign": "spring-uniforms",
    "landing": "/",
}


def at(seconds: float):
    return lambda: NOW + timedelta(seconds=seconds)


def qualify(sessions, sender_id="web-ana", answers=ANSWERS):
    with sessions.begin() as session:
        leads.qualify_lead(session, sender_id, answers, NOW, VISIT)


def rows(sessions) -> list[Delivery]:
    with sessions() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def place_order(sessions, sender_id="web-1") -> str:
    with sessions.begin() as session:
        variant = session.scalar(select(Variant).where(Variant.stock > 5).order_by(Variant.id))
        return orders.place_order(session, variant.id, 1, email="jo@example.com", sender_id=sender_id).reference


def test_without_a_configured_target_nothing_is_written(sessions):
    qualify(sessions)
    place_order(sessions)
    assert rows(sessions) == []


def test_a_lead_reaches_the_receiver_signed_with_its_answers_score_grade_team_and_visit(sessions, receiver):
    qualify(sessions)
    [row] = rows(sessions)
    assert (row.event, row.target, row.status, row.subject) == ("lead.created", "webhook:default", "pending", "lead:1")
    assert run_once(sessions, now=at(0)) == {row.id: "sent"}
    [call] = receiver.calls
    assert call["verified"] and call["path"] == "/hooks/shop" and call["method"] == "POST"
    headers = {key.lower(): value for key, value in call["headers"].items()}
    assert headers["shop-event"] == "lead.created" and headers["shop-delivery"] == str(row.id)
    assert headers["shop-event-id"] == row.event_id and headers["content-type"] == "application/json"
    body = call["json"]
    assert body["event"] == "lead.created" and body["id"] == row.event_id
    lead = body["data"]["lead"]
    assert lead["email"] == "ana.silva@example.com" and lead["sender_id"] == "web-ana"
    assert lead["answers"] == {
        "need": "uniforms for our cafe staff",
        "company_size": 40,
        "timeline": "now",
        "budget": None,
        "role": "owner",
    }
    assert lead["grade"] == leads.score_lead(ANSWERS).grade and lead["score"] == leads.score_lead(ANSWERS).score
    assert lead["team"] == leads.route_lead(ANSWERS, lead["grade"]).team
    assert body["data"]["visit"] == VISIT
    assert rows(sessions)[0].status == "sent" and rows(sessions)[0].sent_at is not None
    assert run_once(sessions, now=at(1)) == {}  # sent once

    qualify(sessions)  # qualified again: an update of the same lead
    run_once(sessions, now=at(2))
    assert [c["json"]["event"] for c in receiver.calls] == ["lead.created", "lead.updated"]
    assert receiver.calls[1]["json"]["data"]["lead"]["id"] == lead["id"]


def test_an_order_and_its_refund_are_told(sessions, receiver):
    from shop.models import Order
    from shop.refunds import create_refund

    reference = place_order(sessions)
    with sessions.begin() as session:
        order = session.scalar(select(Order).where(Order.reference == reference))
        refund = create_refund(session, order.items[0], "too small")
        refund_reference = refund.reference
    run_once(sessions, now=at(0))
    placed, refunded = (c["json"] for c in receiver.calls)
    assert placed["event"] == "order.placed" and placed["data"]["order"]["reference"] == reference
    item = placed["data"]["order"]["items"][0]
    assert item["quantity"] == 1 and item["product"] and item["unit_price_cents"] > 0
    assert refunded["event"] == "refund.requested"
    assert refunded["data"]["refund"]["reference"] == refund_reference
    assert refunded["data"]["refund"]["order"] == reference and refunded["data"]["refund"]["reason"] == "too small"


def test_a_change_rolled_back_writes_no_delivery(sessions, receiver):
    try:
        with sessions.begin() as session:
            leads.qualify_lead(session, "web-ana", ANSWERS, NOW, VISIT)
            raise RuntimeError("the turn failed after the lead was saved")
    except RuntimeError:
        pass
    assert rows(sessions) == []


def test_a_refusing_receiver_is_retried_with_backoff_then_parked_with_its_error(sessions, receiver, monkeypatch):
    receiver.status = 503
    qualify(sessions)
    [row] = rows(sessions)
    integrations = config.configured()
    assert run_once(sessions, integrations, now=at(0)) == {row.id: "pending"}
    after = rows(sessions)[0]
    assert after.attempts == 1 and "answered 503" in after.last_error
    first = integrations.first_delay.total_seconds()
    assert after.due_at == (NOW + integrations.first_delay).replace(tzinfo=None)
    assert run_once(sessions, integrations, now=at(first - 1)) == {}  # not due yet
    elapsed = first
    for attempt in range(2, integrations.attempts + 1):
        assert run_once(sessions, integrations, now=at(elapsed)) == {
            row.id: "parked" if attempt == integrations.attempts else "pending"
        }
        delay = work_queue.backoff(attempt, integrations.attempts, integrations.first_delay, integrations.max_delay)
        elapsed += delay.total_seconds() if delay else 0
    parked = rows(sessions)[0]
    assert parked.status == "parked" and parked.attempts == integrations.attempts and "503" in parked.last_error
    assert len(receiver.calls) == integrations.attempts
    assert run_once(sessions, integrations, now=at(elapsed + 86400)) == {}  # parked stays parked

    receiver.status = 200  # support fixed the receiver and sends it again
    with sessions.begin() as session:
        assert deliveries.retry(session, row.id, NOW + timedelta(days=2))
    assert run_once(sessions, integrations, now=at(2 * 86400)) == {row.id: "sent"}
    assert receiver.received()[-1]["id"] == row.event_id


def test_a_delivery_held_by_a_worker_that_died_is_sent_after_its_lease(sessions, receiver):
    qualify(sessions)
    [row] = rows(sessions)
    with sessions.begin() as session:
        assert deliveries.claim(session, NOW) == [row.id]  # this worker dies now
    assert run_once(sessions, now=at(1)) == {}
    assert run_once(sessions, now=at(work_queue.LEASE.total_seconds() + 1)) == {row.id: "sent"}
    assert len(receiver.received()) == 1


def test_a_target_no_longer_configured_is_a_failure_kept_for_later(sessions, receiver, monkeypatch):
    qualify(sessions)
    monkeypatch.delenv("WEBHOOK_URL")
    [status] = run_once(sessions, now=at(0)).values()
    assert status == "pending" and "not configured" in rows(sessions)[0].last_error


def test_racing_workers_deliver_every_event_exactly_once(sessions, receiver):
    with sessions.begin() as session:
        for n in range(24):
            deliveries.enqueue(session, config.configured(), "order.placed", {"n": n}, subject=f"order:{n}", now=NOW)
    workers, barrier, errors = 4, threading.Barrier(4), []

    def work():
        barrier.wait()
        try:
            while run_once(sessions, now=at(0), batch=2):
                pass
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    numbers = sorted(call["json"]["data"]["n"] for call in receiver.calls)
    assert numbers == list(range(24))
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Delivery.status != "sent")) == 0
