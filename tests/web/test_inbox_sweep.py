"""The inbox's clock as plain functions with the time passed in (seed/inbox.yml: reassign after
120 s, back to the bot after 10 min, agents present for 60 s after their last call): reassigning
what an agent left unanswered, giving overdue chats back to the bot, and closing chats the
customer left. web/sweeper.py talks to the Rasa stand-in through the real RasaClient."""

import asyncio
import secrets
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from shop.db import session_scope
from shop.handoff import assignment
from shop.handoff.routing import load_config
from shop.models import Agent, Handoff, HandoffEvent
from shop.responses import render
from tests.support.web_app import RasaStandIn
from web import sweeper
from web.rasa_client import RasaClient

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # a Monday, in support's hours


@pytest.fixture
def rasa():
    stand_in = RasaStandIn(secrets.token_hex(8))
    yield stand_in
    stand_in.stop()


@pytest.fixture
def client(rasa) -> RasaClient:
    return RasaClient(rasa.url, rasa.token, timeout=5)


def present(db_url: str, emails, now: datetime) -> None:
    """These agents are online and their inbox checked in at `now`."""
    with session_scope(db_url) as session:
        for email in emails:
            agent = session.scalar(select(Agent).where(Agent.email == email))
            assignment.set_presence(session, agent, now, online=True)


def hand_over(db_url: str, rasa: RasaStandIn, now: datetime, team: str = "support") -> int:
    sender = f"sweep-{secrets.token_hex(4)}"
    with session_scope(db_url) as session:
        handoff, _ = assignment.open_handoff(
            session,
            load_config(),
            sender_id=sender,
            channel="socketio",
            team=team,
            reason="customer_asked",
            context={},
            now=now,
        )
        handoff_id = handoff.id
    rasa.pause(sender)
    return handoff_id


def state(db_url: str, handoff_id: int):
    with session_scope(db_url) as session:
        handoff = session.get(Handoff, handoff_id)
        return handoff.status, handoff.agent.email if handoff.agent else None


def kinds(db_url: str, handoff_id: int):
    with session_scope(db_url) as session:
        return list(
            session.scalars(
                select(HandoffEvent.kind).where(HandoffEvent.handoff_id == handoff_id).order_by(HandoffEvent.id)
            )
        )


def sender_of(db_url: str, handoff_id: int) -> str:
    with session_scope(db_url) as session:
        return session.get(Handoff, handoff_id).sender_id


def sweep(db_url: str, now: datetime) -> None:
    with session_scope(db_url) as session:
        assignment.sweep(session, load_config(), now)


def test_an_unanswered_assignment_moves_to_another_agent_after_120_seconds(shop_db, rasa):
    present(shop_db, ["alice@shop.example", "ben@shop.example"], T0)
    handoff_id = hand_over(shop_db, rasa, T0)
    assert state(shop_db, handoff_id) == ("assigned", "alice@shop.example")  # fewest open, then lowest id

    later = T0 + timedelta(seconds=119)
    present(shop_db, ["alice@shop.example", "ben@shop.example"], later)
    sweep(shop_db, later)
    assert state(shop_db, handoff_id) == ("assigned", "alice@shop.example")

    later = T0 + timedelta(seconds=121)
    present(shop_db, ["alice@shop.example", "ben@shop.example"], later)
    sweep(shop_db, later)
    assert state(shop_db, handoff_id) == ("assigned", "ben@shop.example")
    assert kinds(shop_db, handoff_id) == ["queued", "assigned", "unanswered", "assigned"]


def test_an_agent_who_let_it_go_does_not_get_it_back_and_absent_agents_get_nothing(shop_db, rasa):
    present(shop_db, ["ben@shop.example"], T0)
    handoff_id = hand_over(shop_db, rasa, T0)
    assert state(shop_db, handoff_id) == ("assigned", "ben@shop.example")
    later = T0 + timedelta(seconds=125)
    present(shop_db, ["ben@shop.example"], later)
    sweep(shop_db, later)
    assert state(shop_db, handoff_id) == ("queued", None)

    # Alice switched Online, but her inbox last checked in more than 60 s ago: not present.
    present(shop_db, ["alice@shop.example"], later - timedelta(seconds=61))
    sweep(shop_db, later)
    assert state(shop_db, handoff_id) == ("queued", None)
    present(shop_db, ["alice@shop.example"], later)
    sweep(shop_db, later)
    assert state(shop_db, handoff_id) == ("assigned", "alice@shop.example")


def test_a_taken_conversation_is_never_reassigned(shop_db, rasa):
    present(shop_db, ["alice@shop.example", "ben@shop.example"], T0)
    handoff_id = hand_over(shop_db, rasa, T0)
    with session_scope(shop_db) as session:
        alice = session.scalar(select(Agent).where(Agent.email == "alice@shop.example"))
        assignment.take(session, handoff_id, alice, T0 + timedelta(seconds=30))
    much_later = T0 + timedelta(minutes=30)
    present(shop_db, ["alice@shop.example", "ben@shop.example"], much_later)
    sweep(shop_db, much_later)
    with session_scope(shop_db) as session:
        assert assignment.overdue(session, load_config(), much_later) == []
    assert state(shop_db, handoff_id) == ("active", "alice@shop.example")


async def test_nobody_answering_for_ten_minutes_gives_the_chat_back_to_the_bot(shop_db, rasa, client):
    handoff_id = hand_over(shop_db, rasa, T0)
    sender = sender_of(shop_db, handoff_id)
    assert await sweeper.give_back_overdue(shop_db, client, T0 + timedelta(minutes=9, seconds=59)) == []

    due = T0 + timedelta(minutes=10)
    rasa.fail = True  # Rasa down: the handoff stays open for the next sweep
    assert await sweeper.give_back_overdue(shop_db, client, due) == []
    assert state(shop_db, handoff_id) == ("queued", None)

    rasa.fail = False
    assert await sweeper.give_back_overdue(shop_db, client, due, asyncio.Lock()) == [handoff_id]
    with session_scope(shop_db) as session:
        handoff = session.get(Handoff, handoff_id)
        assert (handoff.status, handoff.closed_by) == ("closed", "timeout")
        assert handoff.closing_note == "Nobody answered within 10 minutes."
    [request] = rasa.requests
    assert [e["event"] for e in request["events"]] == ["resume", "bot", "action"]
    said = request["events"][1]
    assert said["text"] == render("utter_handoff_returned", team_name="Customer support")["text"]
    assert [b["payload"] for b in said["data"]["buttons"]] == ["/request_followup"]
    assert rasa.tracker(sender)["paused"] is False


async def test_a_chat_rasa_no_longer_holds_paused_is_closed_as_left_by_the_customer(shop_db, rasa, client):
    minute_ago = T0 - timedelta(minutes=1)
    kept, left = hand_over(shop_db, rasa, minute_ago), hand_over(shop_db, rasa, minute_ago)
    rasa.tracker(sender_of(shop_db, left))["paused"] = False  # restarted, or the session expired
    just_now = hand_over(shop_db, rasa, T0)
    rasa.tracker(sender_of(shop_db, just_now))["paused"] = False  # Rasa is about to pause it

    rasa.fail = True
    assert await sweeper.close_abandoned(shop_db, client, T0) == []  # no answer is no proof
    rasa.fail = False
    assert await sweeper.close_abandoned(shop_db, client, T0, asyncio.Lock()) == [left]
    assert state(shop_db, kept) == ("queued", None)
    assert state(shop_db, just_now) == ("queued", None)
    with session_scope(shop_db) as session:
        assert session.get(Handoff, left).closed_by == "customer"
    assert rasa.delivered == []  # nothing said to a customer who has gone


async def test_one_sweep_round_with_the_web_apps_lock(shop_db, rasa, client):
    old = hand_over(shop_db, rasa, T0 - timedelta(minutes=11), team="billing")  # nobody was in: queued
    present(shop_db, ["chloe@shop.example"], T0)
    fresh = hand_over(shop_db, rasa, T0, team="billing")
    assert state(shop_db, fresh) == ("assigned", "chloe@shop.example")
    await sweeper.sweep_once(shop_db, client, T0, check_trackers=True, lock=asyncio.Lock())
    assert state(shop_db, old)[0] == "closed"  # unanswered for over 10 minutes: back to the bot
    assert state(shop_db, fresh) == ("assigned", "chloe@shop.example")


def test_a_redis_outage_pauses_the_sweep_with_one_warning_and_it_goes_on_after(client, monkeypatch, caplog):
    from redis import RedisError

    class Lease:  # Redis down for three rounds, then back (and another web app holds the lease)
        calls = 0

        def acquire(self, ttl: float) -> bool:
            Lease.calls += 1
            if Lease.calls <= 3:
                raise RedisError("down")
            return False

    monkeypatch.setattr(sweeper.shared_state, "lease", lambda name: Lease())

    async def rounds() -> None:
        task = asyncio.create_task(sweeper.run_forever("sqlite://", client, every=0.01))
        while Lease.calls < 5:
            await asyncio.sleep(0.01)
        task.cancel()

    with caplog.at_level("WARNING", logger="web.sweeper"):
        asyncio.run(rounds())
    said = [record.getMessage() for record in caplog.records if record.name == "web.sweeper"]
    assert said == [
        "Inbox sweep paused: Redis cannot be reached (down); trying every 0.01 s",
        "Inbox sweep: Redis answers again",
    ]
    assert not any(record.exc_info for record in caplog.records)
