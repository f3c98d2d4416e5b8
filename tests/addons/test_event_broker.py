"""The event broker the Rasa server publishes to (addons/event_broker.py): batched writes to
Rasa's SQL event broker table off the event loop, or Rasa's Pika broker to RabbitMQ; and the
consumer (shop/analytics/consumer.py) reading each, through a RabbitMQ outage."""

import asyncio
import logging
import sqlite3

import pytest
import sqlalchemy.exc
from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import func, select

from addons.event_broker import BatchedSQLEventBroker, ShopEventBroker, pika_config
from shop.analytics.consumer import QUEUE, consume_rabbitmq
from shop.db import session_scope
from shop.models import ConversationEvent
from tests.support.analytics import Published
from tests.support.services import RabbitMQ


def rows(path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT COUNT(*) FROM events").fetchone()[0]


def events(sender="s", n=1):
    p = Published(sender, 1764633600).session()
    for i in range(n):
        p.says(f"hi {i}", "greet").bot("utter_greet")
    return p.events


def kept() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count(ConversationEvent.id)))


async def broker_for(url):
    return await ShopEventBroker.from_endpoint_config(EndpointConfig(url=url))


def test_a_database_url_gives_the_batched_sql_broker_and_none_gives_none(tmp_path):
    broker = asyncio.run(broker_for(f"sqlite:///{tmp_path / 'events.db'}"))
    assert isinstance(broker, BatchedSQLEventBroker)
    with sqlite3.connect(tmp_path / "events.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert asyncio.run(ShopEventBroker.from_endpoint_config(EndpointConfig(url=""))) is None


def test_a_turns_events_are_written_together_after_it_and_close_writes_what_waits(tmp_path):
    path = tmp_path / "events.db"

    async def scenario():
        broker = await broker_for(f"sqlite:///{path}")
        for event in events(n=5):
            broker.publish(event)
        assert rows(path) == 0  # nothing written while the turn goes on
        await asyncio.sleep(0.5)
        assert rows(path) == 11
        broker.publish(events("late")[0])
        await broker.close()  # a stopping server writes what waits
        assert rows(path) == 12

    asyncio.run(scenario())


def test_a_server_that_loses_the_race_to_create_the_table_uses_the_winners(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'events.db'}"
    metadata = BatchedSQLEventBroker.Base.metadata
    create_all = metadata.create_all

    def another_server_created_it_first(engine, *args, **kwargs):
        create_all(engine)  # the winner's table...
        monkeypatch.setattr(metadata, "create_all", create_all)
        raise sqlalchemy.exc.IntegrityError("CREATE TABLE events", {}, Exception("pg_type_typname_nsp_index"))

    monkeypatch.setattr(metadata, "create_all", another_server_created_it_first)
    broker = BatchedSQLEventBroker(url)  # ...and this one's CREATE failing on it
    broker.publish(events()[0])
    assert rows(tmp_path / "events.db") == 1


def test_an_unwritable_batch_is_logged_not_raised(tmp_path, caplog):
    broker = BatchedSQLEventBroker(f"sqlite:///{tmp_path / 'events.db'}")
    broker.engine.dispose()
    (tmp_path / "events.db").unlink()
    (tmp_path / "events.db").mkdir()  # the file is gone: every write fails
    broker.publish(events()[0])  # no loop here: written at once
    assert "could not be written" in caplog.text


def test_pika_settings_come_from_one_url():
    config = pika_config("amqp://shop:s%40cret@mq.internal:5673/shop")
    assert (config.url, config.kwargs["username"], config.kwargs["password"]) == (
        "amqp://shop:s%40cret@mq.internal:5673/shop",
        "shop",
        "s@cret",
    )
    assert config.kwargs["port"] == 5673 and config.kwargs["queues"] == [QUEUE]


def test_an_event_rasa_could_not_publish_is_logged_without_the_customers_words():
    from addons.event_broker import _WithoutEvents

    line = "pika.events.publish.failed host=amqp://mq/ rasa_event={'event': 'user', 'text': 'my card is 4111'}"
    record = logging.LogRecord("rasa.core.brokers.pika", logging.ERROR, __file__, 1, line, None, None)
    assert _WithoutEvents().filter(record)
    assert record.getMessage() == "pika.events.publish.failed host=amqp://mq/ rasa_event=<left out>"


@pytest.fixture
def rabbitmq(tmp_path):
    node = RabbitMQ(tmp_path).start()
    yield node
    node.stop()


def test_through_rabbitmq_every_event_is_kept_once_across_an_outage(shop_db, rabbitmq):
    before, during = events("before", 3), events("during", 2)

    async def scenario():
        broker = await broker_for(rabbitmq.url)
        assert isinstance(broker, PikaEventBroker)
        stop = asyncio.Event()
        consumer = asyncio.create_task(consume_rabbitmq(rabbitmq.url, stop))
        for event in before:
            broker.publish(event)
        await wait_for(lambda: kept() == len(before))
        await asyncio.to_thread(rabbitmq.stop)
        for event in during:  # RabbitMQ is away: Rasa's broker keeps them
            broker.publish(event)
        await asyncio.sleep(1)
        await asyncio.to_thread(rabbitmq.start)
        await wait_for(lambda: kept() == len(before) + len(during), timeout=90)
        for event in before:  # delivered again (a publisher retrying): kept once
            broker.publish(event)
        await asyncio.sleep(2)
        stop.set()
        await consumer
        await broker.close()

    asyncio.run(scenario())
    assert kept() == len(before) + len(during)


async def wait_for(condition, timeout=30.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await asyncio.to_thread(condition):
        if loop.time() > deadline:
            pytest.fail(f"not reached within {timeout} s (kept {kept()})")
        await asyncio.sleep(0.3)
