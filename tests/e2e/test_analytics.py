"""The funnel fed for real: conversations over REST, the Rasa server publishing to its event
broker (Rasa's SQL event broker, batched: addons/event_broker.py), the consumer process
(python -m shop.analytics) keeping the facts, and the figures read by shop.analytics.metrics;
each figure is known from the conversations this test has."""

import secrets
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from shop.analytics.metrics import Filters, funnel
from shop.db import session_scope
from shop.models import ConversationEvent
from tests.support.servers import Chat

pytestmark = pytest.mark.e2e


def kept_for(servers, senders) -> int:
    with session_scope(servers.shop_db) as session:
        return session.scalar(select(func.count(ConversationEvent.id)).where(ConversationEvent.sender_id.in_(senders)))


def wait_until_kept(servers, chats, timeout=30):
    """Until the consumer has kept every customer's last message (it reads every 0.2 s)."""
    senders = [c.sender for c in chats]
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        now = kept_for(servers, senders)
        if now and now == last:
            return now
        last = now
        time.sleep(1.0)
    pytest.fail(f"the consumer kept {last} events of {senders}")


def buy(chat, size="M", finish=True):
    chat.say("I want to buy a hoodie")
    chat.say(size)
    chat.say("black")
    chat.say("1")
    if finish:
        chat.say(f"{chat.sender}@example.com")
        assert "Your order A10" in chat.text("yes")


def test_the_funnel_of_real_conversations(servers):
    campaign = f"e2e-{secrets.token_hex(3)}"  # this test's conversations only
    metadata = {"utm_campaign": campaign, "path": "/p/hoodie"}
    chats = [Chat(servers, metadata=metadata) for _ in range(6)]
    buyer1, buyer2, quitter, confused, wants_person, leaving = chats
    buy(buyer1)
    buy(buyer2, size="L")
    buy(quitter, finish=False)  # stops when the email is asked
    confused.say("hi")
    confused.say("qwzx blorp vrrr")
    confused.say("zzkk flurb")
    wants_person.say("I want to talk to a person")
    leaving.say("hi")
    leaving.say("stop sending me messages")
    wait_until_kept(servers, chats)

    today = date.today()
    with session_scope(servers.shop_db) as session:
        f = funnel(session, today - timedelta(days=1), today, Filters(campaign=campaign))
    assert f["conversations"] == 6
    purchase = f["flows"]["purchase"]
    assert (purchase["started"], purchase["finished"], purchase["abandoned_at"]) == (3, 1 + 1, {"email": 1})
    assert f["orders"]["count"] == 2 and f["orders"]["revenue_cents"] == 2 * 6500
    assert f["misunderstanding"]["misunderstood_messages"] >= 2
    texts = [row["text"] for row in f["misunderstanding"]["top_unrecognized"]]
    assert "qwzx blorp vrrr" in texts
    assert f["handoffs"]["count"] == 1 and f["handoffs"]["rate"] == pytest.approx(1 / 6)
    assert f["opt_outs"]["rest"]["opt_outs"] == 1 and f["opt_outs"]["rest"]["warning"]
    assert f["bot_response_seconds"]["count"] >= 15 and f["bot_response_seconds"]["median"] < 10
    # No customer's email reached the facts.
    with session_scope(servers.shop_db) as session:
        values = session.scalars(select(ConversationEvent.value).where(ConversationEvent.value.is_not(None)))
        assert not [v for v in values if "@example.com" in v]
