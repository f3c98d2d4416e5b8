"""What the shop sends first, end to end: the real Rasa and action servers (tests/conftest.py)
and the outbox worker as `make run` starts it. An order placed in a chat gets its confirmation in
that conversation's tracker, the order shipped (make ship) its update, a meeting reminder reaches
Messenger with its tag outside the 24-hour window, and an opted-out contact gets nothing."""

import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
import yaml
from sqlalchemy import create_engine, select, text, update

from shop import meetings
from shop.contacts import remember_reach
from shop.db import session_scope
from shop.models import ConversationEvent, OutboundMessage
from tests.support.messenger import E2E_SECRET, postback_event, signed, text_event, webhook_body
from tests.support.servers import BIN, ROOT, Chat

pytestmark = pytest.mark.e2e
WAIT_SECONDS = 90


@pytest.fixture(scope="module")
def worker(servers):
    """The worker as make run starts it, except that marketing may go at any hour of any day
    here (the runs happen at any time; tests/shop/outbound tests the hours)."""
    rules = yaml.safe_load((ROOT / "seed" / "outbound.yml").read_text())
    rules["marketing"].update(hours=["00:00", "23:59"], days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    always = servers.workdir / "outbound-always.yml"
    always.write_text(yaml.safe_dump(rules))
    env = {**servers.env, "RASA_URL": servers.url, "OUTBOUND_POLL_SECONDS": "0.3", "OUTBOUND_RULES": str(always)}
    log = open(servers.workdir / "outbound.log", "ab")  # noqa: SIM115 (open while the worker runs)
    process = subprocess.Popen([str(BIN / "python"), "-m", "shop.outbound"], cwd=ROOT, env=env, stdout=log, stderr=log)
    yield env
    process.terminate()
    process.wait(30)
    log.close()


@pytest.fixture
def shop(servers, monkeypatch):
    """The servers' shop database, for this process's session_scope()."""
    monkeypatch.setenv("SHOP_DB_URL", servers.shop_db)


def wait_until(condition, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"no {what} within {WAIT_SECONDS} s")


def said(chat: Chat, response: str) -> list[str]:
    events = chat.tracker()["events"]
    return [
        e["text"] for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("utter_action") == response
    ]


def buy(chat: Chat) -> str:
    chat.say("I want to buy a hoodie")
    for answer in ("M", "black", "1", "kim@example.com"):
        chat.say(answer)
    assert "Your order A10" in chat.text("yes")
    return chat.slots()["order_id"]


def ship(env, reference: str) -> None:
    done = subprocess.run(
        [str(BIN / "python"), "-m", "shop.shipping", reference], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def statuses(servers, sender_id: str) -> list[tuple[str, str, str | None]]:
    with create_engine(servers.shop_db).connect() as conn:
        rows = conn.execute(
            text("SELECT message_type, status, last_error FROM outbound_messages WHERE sender_id = :s ORDER BY id"),
            {"s": sender_id},
        )
        return [tuple(r) for r in rows]


def test_an_order_in_the_chat_gets_its_confirmation_then_its_shipping_update(servers, worker):
    chat = Chat(servers)
    reference = buy(chat)
    [confirmation] = wait_until(lambda: said(chat, "utter_outbound_order_confirmation"), "order confirmation")
    assert confirmation.startswith(f"Thank you for your order {reference}: 1 x Hoodie (black, size M), $")
    ship(worker, reference)
    [update_text] = wait_until(lambda: said(chat, "utter_outbound_shipping_update"), "shipping update")
    assert update_text.startswith(f"Good news: your order {reference} (1 x Hoodie (black, size M)) has shipped.")
    assert statuses(servers, chat.sender) == [
        ("abandoned_purchase", "cancelled", None),  # written as the purchase began, cancelled by the order
        ("order_confirmation", "sent", None),
        ("shipping_update", "sent", None),
    ]
    assert "order_id" in chat.slots() and chat.slots()["order_id"] == reference


def test_an_opted_out_contact_gets_nothing(servers, worker):
    chat = Chat(servers)
    reference = buy(chat)
    wait_until(lambda: said(chat, "utter_outbound_order_confirmation"), "order confirmation")
    chat.say("stop sending me messages")
    ship(worker, reference)
    wait_until(lambda: statuses(servers, chat.sender)[-1][1] == "dropped", "dropped shipping update")
    assert statuses(servers, chat.sender)[-1] == ("shipping_update", "dropped", "opted out on rest")
    assert said(chat, "utter_outbound_shipping_update") == []


def test_a_meeting_reminder_reaches_messenger_with_its_tag(servers, worker, graph, shop):
    customer = "2" + str(time.time_ns())[-15:]
    body, headers = signed(webhook_body([text_event(customer, "hi")]), E2E_SECRET)
    assert requests.post(f"{servers.url}/webhooks/facebook/webhook", data=body, headers=headers, timeout=10).ok
    graph.wait_for_turns(customer, timeout=WAIT_SECONDS)
    now = datetime.now(timezone.utc)
    with session_scope() as session:
        wait_until(
            lambda: session.scalar(select(ConversationEvent.id).where(ConversationEvent.sender_id == customer)),
            "the customer's message in the analytics",
        )
        # Two days pass: the customer's last message is outside Messenger's 24-hour window.
        session.execute(
            update(ConversationEvent)
            .where(ConversationEvent.sender_id == customer)
            .values(at=now.replace(tzinfo=None) - timedelta(days=2))
        )
        [slot] = meetings.free_slots(session, "smb", now + timedelta(days=2), now + timedelta(days=9), now, limit=1)
        remember_reach(session, customer, "facebook")
        booking = meetings.book(
            session, slot.rep_id, slot.start, "lee@example.com", "Europe/Paris", sender_id=customer, now=now
        )
        reference = booking.reference
        # ...and the meeting is an hour away: its reminders are due.
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.subject == f"booking:{reference}")
            .values(due_at=now.replace(tzinfo=None))
        )
    before = len(graph.messages(customer))
    reminders = wait_until(
        lambda: graph.messages(customer)[before:][:2] if len(graph.messages(customer)) >= before + 2 else None,
        "two reminders on Messenger",
    )
    for sent in reminders:
        assert (sent["messaging_type"], sent["tag"]) == ("MESSAGE_TAG", "CONFIRMED_EVENT_UPDATE")
        payload = sent["message"]["attachment"]["payload"]
        assert f"meeting {reference} with" in payload["text"]
        assert [b["title"] for b in payload["buttons"]] == ["Move it", "Cancel it"]
    # Cancel it, from the reply: the meeting is cancelled with the reminder's booking.
    body, headers = signed(webhook_body([postback_event(customer, "/cancel_meeting", title="Cancel it")]), E2E_SECRET)
    assert requests.post(f"{servers.url}/webhooks/facebook/webhook", data=body, headers=headers, timeout=10).ok
    wait_until(
        lambda: any(
            reference in (m["message"].get("text") or "") and "cancelled" in (m["message"].get("text") or "")
            for m in graph.messages(customer)
        ),
        "the cancellation",
    )
    with session_scope() as session:
        assert meetings.find_booking(session, reference, "lee@example.com").status == "cancelled"


def test_an_update_arriving_during_a_purchase_leaves_the_purchase_where_it_was(servers, worker):
    chat = Chat(servers)
    reference = buy(chat)
    wait_until(lambda: said(chat, "utter_outbound_order_confirmation"), "order confirmation")
    assert "how many" in chat.text("I want to buy a hoodie").lower()  # size and color as before
    ship(worker, reference)
    wait_until(lambda: said(chat, "utter_outbound_shipping_update"), "shipping update")
    events = chat.tracker()["events"]
    names = [e.get("name") for e in events]
    after_update = events[len(names) - names[::-1].index("action_send_outbound") :]
    # The update, then the purchase asks its question again; nothing else is said.
    [update_text, question] = [e["text"] for e in after_update if e["event"] == "bot"]
    assert update_text.startswith(f"Good news: your order {reference}") and question.startswith("How many")
    tracker = chat.tracker()
    assert (tracker["active_loop"]["name"], tracker["slots"]["requested_slot"]) == ("purchase_form", "quantity")
    chat.say("1")
    assert chat.slots()["quantity"] == 1


def test_a_customer_who_asked_to_be_told_hears_when_the_product_is_back(servers, worker):
    chat = Chat(servers)
    with create_engine(servers.shop_db).begin() as conn:  # the last black M hoodies are sold
        conn.execute(
            text(
                "UPDATE variants SET stock = 0 WHERE color = 'black' AND size = 'M' AND product_id ="
                " (SELECT id FROM products WHERE sku = 'TOP-HOODIE')"
            )
        )
    [sold_out] = chat.say("do you have the hoodie in black size M?")
    assert "sold out" in sold_out["text"]
    assert {"title": "Tell me when it's back", "payload": "/notify_restock"} in sold_out["buttons"]
    [asked] = chat.say("/notify_restock")
    assert asked["text"].startswith("I've noted that you'd like to hear when the Hoodie (black, size M) is back.")
    chat.say("/opt_in")
    done = subprocess.run(
        [str(BIN / "python"), "-m", "shop.restock", "TOP-HOODIE", "4", "--size", "M", "--color", "black"],
        cwd=ROOT,
        env=worker,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "1 waiting customer(s) will be told" in done.stdout, done.stderr
    [notice] = wait_until(lambda: said(chat, "utter_outbound_back_in_stock"), "back-in-stock notice")
    assert notice == "Good news: the Hoodie (black, size M) you asked about is back in stock."
    assert statuses(servers, chat.sender)[-1] == ("back_in_stock", "sent", None)
