"""A handed-over chat's life: one open per contact, assignment (round robin, fewest open, caps,
presence), reassignment when unanswered, taking, replying and closing; on real SQLite."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from shop.db import session_scope
from shop.handoff import assignment
from shop.handoff.assignment import HandoffError
from shop.handoff.routing import load_config
from shop.models import Agent, Handoff, HandoffEvent

NOW = datetime(2030, 1, 7, 17, 0, tzinfo=timezone.utc)


@pytest.fixture
def config():
    return load_config()


def online(*emails, at=NOW):
    with session_scope() as session:
        for email in emails:
            agent = session.scalar(select(Agent).where(Agent.email == email))
            assignment.set_presence(session, agent, at, online=True)


def agent(session, email):
    return session.scalar(select(Agent).where(Agent.email == email))


def open_one(config, sender, team="support", at=NOW):
    with session_scope() as session:
        handoff, created = assignment.open_handoff(
            session,
            config,
            sender_id=sender,
            channel="socketio",
            team=team,
            reason="customer_asked",
            context={"reason": "customer_asked"},
            now=at,
        )
        return handoff.id, created, handoff.agent.email if handoff.agent else None, handoff.status


def state(handoff_id):
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        return handoff.status, handoff.agent.email if handoff.agent else None


def kinds(handoff_id):
    with session_scope() as session:
        return [
            e.kind
            for e in session.scalars(
                select(HandoffEvent).where(HandoffEvent.handoff_id == handoff_id).order_by(HandoffEvent.id)
            )
        ]


def test_nobody_online_leaves_it_queued(shop_db, config):
    handoff_id, created, agent_email, status = open_one(config, "c1")
    assert (created, agent_email, status) == (True, None, "queued")
    assert kinds(handoff_id) == ["queued"]


def test_a_contact_has_one_open_conversation(shop_db, config):
    first = open_one(config, "c1")
    second = open_one(config, "c1", team="billing")
    assert second[:2] == (first[0], False)
    with session_scope() as session:
        assignment.close(session, first[0], NOW, closed_by="timeout")
    third = open_one(config, "c1")
    assert third[1] is True and third[0] != first[0]


def test_the_database_refuses_a_second_open_conversation(shop_db, config):
    from sqlalchemy.exc import IntegrityError

    open_one(config, "c1")
    with pytest.raises(IntegrityError), session_scope() as session:
        session.add(Handoff(sender_id="c1", team="billing", reason="customer_asked", status="queued"))


def test_racing_handoffs_of_one_contact_make_one_conversation(shop_db, config):
    results, barrier = [], threading.Barrier(6)

    def attempt():
        barrier.wait()
        results.append(open_one(config, "racer")[:2])

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({handoff_id for handoff_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1


def test_round_robin_takes_turns_among_online_agents(shop_db, config):
    online("olivia.bennett@shop.example", "marcus.reid@shop.example")
    got = [open_one(config, f"lead{n}", team="sales", at=NOW + timedelta(seconds=n))[2] for n in range(4)]
    assert got == ["olivia.bennett@shop.example", "marcus.reid@shop.example"] * 2


def test_least_open_goes_to_whoever_holds_fewest(shop_db, config):
    online("alice@shop.example")
    first = open_one(config, "c1")
    assert first[2] == "alice@shop.example"
    online("ben@shop.example", at=NOW + timedelta(seconds=1))
    got = [open_one(config, f"c{n}", at=NOW + timedelta(seconds=n))[2] for n in (2, 3, 4)]
    # Ben holds none, then one each: the tie goes to whoever was assigned longest ago
    assert got == ["ben@shop.example", "alice@shop.example", "ben@shop.example"]


def test_only_present_agents_of_the_team_are_assigned(shop_db, config):
    online("chloe@shop.example")  # billing only
    assert open_one(config, "c1")[2] is None
    online("ben@shop.example", at=NOW - timedelta(minutes=5))  # went quiet 5 minutes ago
    assert open_one(config, "c2")[2] is None
    with session_scope() as session:
        ben = agent(session, "ben@shop.example")
        assignment.set_presence(session, ben, NOW, online=False)  # away
    assert open_one(config, "c3")[2] is None


def test_an_agent_at_the_cap_gets_no_more(shop_db, config):
    online("ben@shop.example")
    cap = config.assignment["max_open_per_agent"]
    got = [open_one(config, f"c{n}")[2] for n in range(cap + 1)]
    assert got[:cap] == ["ben@shop.example"] * cap and got[cap] is None


def test_an_unanswered_assignment_moves_to_another_agent(shop_db, config):
    online("alice@shop.example")
    handoff_id = open_one(config, "c1")[0]
    online("ben@shop.example", at=NOW + timedelta(seconds=30))
    later = NOW + timedelta(seconds=config.assignment["reassign_after_seconds"] + 1)
    online("alice@shop.example", "ben@shop.example", at=later)
    with session_scope() as session:
        assignment.sweep(session, config, later)
    assert state(handoff_id) == ("assigned", "ben@shop.example")
    assert kinds(handoff_id) == ["queued", "assigned", "unanswered", "assigned"]


def test_with_nobody_else_an_unanswered_one_goes_back_to_the_queue(shop_db, config):
    online("alice@shop.example")
    handoff_id = open_one(config, "c1")[0]
    later = NOW + timedelta(seconds=config.assignment["reassign_after_seconds"] + 1)
    online("alice@shop.example", at=later)
    with session_scope() as session:
        assignment.sweep(session, config, later)
    assert state(handoff_id) == ("queued", None)  # not straight back to who left it
    online("ben@shop.example", at=later)
    with session_scope() as session:
        assignment.sweep(session, config, later)
    assert state(handoff_id) == ("assigned", "ben@shop.example")


def test_an_answered_conversation_is_never_reassigned(shop_db, config):
    online("alice@shop.example", "ben@shop.example")
    handoff_id = open_one(config, "c1")[0]
    with session_scope() as session:
        handoff, joined = assignment.record_reply(session, handoff_id, agent(session, "alice@shop.example"), NOW)
        assert (handoff.status, joined, handoff.first_reply_at) == ("active", True, NOW.replace(tzinfo=None))
    much_later = NOW + timedelta(hours=1)
    online("alice@shop.example", "ben@shop.example", at=much_later)
    with session_scope() as session:
        assignment.sweep(session, config, much_later)
        assert assignment.overdue(session, config, much_later) == []
    assert state(handoff_id) == ("active", "alice@shop.example")


def test_the_queue_is_assigned_oldest_first_when_an_agent_comes_online(shop_db, config):
    ids = [open_one(config, f"c{n}", at=NOW + timedelta(seconds=n))[0] for n in range(3)]
    online("alice@shop.example")
    with session_scope() as session:
        assignment.sweep(session, config, NOW + timedelta(seconds=5))
    assert [state(i)[0] for i in ids] == ["assigned"] * 3


def test_overdue_lists_what_nobody_answered(shop_db, config):
    waiting = open_one(config, "c1")[0]
    online("ben@shop.example")
    assigned = open_one(config, "c2")[0]
    limit = timedelta(minutes=config.assignment["return_to_bot_after_minutes"])
    with session_scope() as session:
        assert assignment.overdue(session, config, NOW + limit - timedelta(seconds=1)) == []
        assert assignment.overdue(session, config, NOW + limit) == [waiting, assigned]


def test_taking(shop_db, config):
    online("alice@shop.example")
    handoff_id = open_one(config, "c1")[0]  # assigned to Alice
    with session_scope() as session:
        handoff, joined = assignment.take(session, handoff_id, agent(session, "ben@shop.example"), NOW)
        assert (handoff.status, handoff.agent.email, joined) == ("active", "ben@shop.example", True)
    with session_scope() as session:
        with pytest.raises(HandoffError, match="Ben Carter is already answering"):
            assignment.take(session, handoff_id, agent(session, "alice@shop.example"), NOW)
        with pytest.raises(HandoffError, match="belongs to the support team"):
            assignment.take(session, handoff_id, agent(session, "chloe@shop.example"), NOW)
        assert assignment.take(session, handoff_id, agent(session, "ben@shop.example"), NOW)[1] is False
        with pytest.raises(HandoffError, match="no such conversation"):
            assignment.take(session, 999, agent(session, "ben@shop.example"), NOW)


def test_closing(shop_db, config):
    handoff_id = open_one(config, "c1")[0]
    with session_scope() as session:
        ben = agent(session, "ben@shop.example")
        with pytest.raises(HandoffError, match="Take the conversation"):
            assignment.close(session, handoff_id, NOW, closed_by="agent", agent=ben, note="done")
        assignment.take(session, handoff_id, ben, NOW)
        with pytest.raises(HandoffError, match="closing note"):
            assignment.close(session, handoff_id, NOW, closed_by="agent", agent=ben, note="   ")
        with pytest.raises(HandoffError, match="under 2000"):
            assignment.close(session, handoff_id, NOW, closed_by="agent", agent=ben, note="x" * 2001)
        handoff = assignment.close(session, handoff_id, NOW, closed_by="agent", agent=ben, note="Sent a label.")
        assert (handoff.status, handoff.closed_by, handoff.closing_note) == ("closed", "agent", "Sent a label.")
    with session_scope() as session:
        with pytest.raises(HandoffError, match="already closed"):
            assignment.close(session, handoff_id, NOW, closed_by="timeout")
        with pytest.raises(HandoffError, match="already closed"):
            assignment.take(session, handoff_id, agent(session, "ben@shop.example"), NOW)


def test_the_inbox_lists_open_conversations_of_the_agents_teams(shop_db, config):
    support = open_one(config, "c1")[0]
    billing = open_one(config, "c2", team="billing")[0]
    sales = open_one(config, "c3", team="sales")[0]
    with session_scope() as session:
        assignment.close(session, sales, NOW, closed_by="timeout")
        assert [h.id for h in assignment.inbox_of(session, agent(session, "alice@shop.example"))] == [support, billing]
        assert [h.id for h in assignment.inbox_of(session, agent(session, "chloe@shop.example"))] == [billing]
        assert assignment.inbox_of(session, agent(session, "olivia.bennett@shop.example")) == []
