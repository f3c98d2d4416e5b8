"""The consumer of Rasa's SQL event broker: each event kept once whatever happens on the way
(duplicates, restarts, events out of order, the broker's database away); on real SQLite with
Rasa's own SQLEventBroker writing."""

import asyncio
import json
import shutil

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from shop.analytics.consumer import SqlBrokerSource, consume_sql
from shop.analytics.feed import record_events
from shop.db import session_scope
from shop.models import ConversationEvent
from tests.support import services
from tests.support.analytics import Published


def kept() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count(ConversationEvent.id)))


@pytest.fixture
def broker(tmp_path):
    return SQLEventBroker(db=str(tmp_path / "events.db"))


def conversation(sender="c1"):
    return Published(sender, 1764633600).session().says("hi", "greet").bot("utter_greet").purchase().events


def test_every_event_the_funnel_reads_is_kept_once_and_the_rows_read_are_deleted(shop_db, broker, tmp_path):
    events = conversation()
    for event in events:
        broker.publish(event)
    source = SqlBrokerSource(f"sqlite:///{tmp_path / 'events.db'}")
    assert source.drain() == len(events)
    assert kept() == len(events)  # every event of this conversation is one the funnel reads
    with source.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM events")).scalar_one() == 0
    assert source.drain() == 0 and kept() == len(events)


def test_an_event_delivered_twice_counts_once(shop_db):
    events = conversation()
    with session_scope() as session:
        assert record_events(session, events + events[:5]) == len(events)
    with session_scope() as session:
        assert record_events(session, events) == 0
    assert kept() == len(events)


def test_events_out_of_order_give_the_same_facts(shop_db):
    events = conversation()
    with session_scope() as session:
        record_events(session, list(reversed(events)))
    with session_scope() as session:
        assert record_events(session, events) == 0


def test_a_restart_reads_what_came_since(shop_db, broker, tmp_path):
    url = f"sqlite:///{tmp_path / 'events.db'}"
    first, second = conversation("a"), conversation("b")
    for event in first:
        broker.publish(event)
    SqlBrokerSource(url).drain()
    for event in second:
        broker.publish(event)
    # A new consumer (a restart) reads only what came since.
    assert SqlBrokerSource(url).drain() == len(second)
    assert kept() == len(first) + len(second)


def test_a_crash_after_commit_before_the_delete_repeats_nothing(shop_db, broker, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'events.db'}"
    for event in conversation():
        broker.publish(event)
    source = SqlBrokerSource(url)
    real_begin = source.engine.begin
    monkeypatch.setattr(source.engine, "begin", lambda: (_ for _ in ()).throw(OSError("killed")))
    with pytest.raises(OSError):
        source.drain_once()
    monkeypatch.setattr(source.engine, "begin", real_begin)
    # The rows are read again by the next consumer, and each event is still kept once.
    assert SqlBrokerSource(url).drain() == len(conversation())
    assert kept() == len(conversation())


def test_the_consumer_waits_for_a_broker_database_away_and_catches_up(shop_db, broker, tmp_path, caplog):
    """The broker's database is moved away while the consumer runs, then comes back."""
    path = tmp_path / "events.db"
    for event in conversation("early"):
        broker.publish(event)
    away = tmp_path / "away"
    away.mkdir()
    shutil.move(str(path), away / "events.db")
    path.mkdir()  # what was the database file is now a folder: every read fails

    async def scenario():
        stop = asyncio.Event()
        task = asyncio.create_task(consume_sql(SqlBrokerSource(f"sqlite:///{path}"), 0.05, stop))
        await asyncio.sleep(0.3)
        assert kept() == 0
        path.rmdir()
        shutil.move(str(away / "events.db"), path)
        for _ in range(100):
            await asyncio.sleep(0.05)
            if kept():
                break
        stop.set()
        await task

    asyncio.run(scenario())
    assert kept() == len(conversation("early"))
    assert any("cannot read the event broker" in r.message for r in caplog.records)
    assert any("is back" in r.message for r in caplog.records)


def test_a_row_committed_out_of_id_order_during_a_read_is_read_next_time_not_deleted(shop_db, monkeypatch):
    """Two Rasa servers publish to one PostgreSQL broker: a transaction that took a lower id can
    commit after a higher one was read. The consumer used to delete every id up to the last read,
    that row among them, unread (3 of 1,000 messages lost in the cluster's load test)."""
    engine = services.empty_postgres()
    url = make_url(services.POSTGRES_URL)
    SQLEventBroker(  # the table, as the Rasa server makes it
        dialect="postgresql",
        host=url.host,
        port=url.port,
        db=url.database,
        username=url.username,
        password=url.password,
    )
    early = Published("early", 1764633600).says("hi", "greet").events[0]
    late = Published("late", 1764633700).says("hello", "greet").events[0]
    slow = engine.connect()
    slow_tx = slow.begin()
    slow.execute(text("INSERT INTO events (sender_id, data) VALUES ('early', :d)"), {"d": json.dumps(early)})
    with engine.begin() as fast:  # a higher id, committed first
        fast.execute(text("INSERT INTO events (sender_id, data) VALUES ('late', :d)"), {"d": json.dumps(late)})
    source = SqlBrokerSource(services.POSTGRES_URL)

    def record_then_the_slow_one_commits(session, events):
        kept_now = record_events(session, events)
        slow_tx.commit()  # between the consumer's read and its delete
        return kept_now

    with monkeypatch.context() as patched:
        patched.setattr("shop.analytics.consumer.record_events", record_then_the_slow_one_commits)
        assert source.drain_once() == 1
    slow.close()
    assert source.drain() == 1  # the early row, read now
    with session_scope() as session:
        assert set(session.scalars(select(ConversationEvent.sender_id))) == {"early", "late"}
    source.engine.dispose()
    engine.dispose()
