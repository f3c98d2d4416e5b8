"""The analytics consumer: reads what Rasa's event broker published and keeps the facts
(feed.py). Two sources, as the broker is configured (EVENT_BROKER_URL):
- a database URL: Rasa's SQL event broker table `events`, read in id order and each batch
  deleted once its facts are committed (the rows hold customers' words; the facts are what is
  kept); a crash between the two reads the batch again, and each event is kept once;
- amqp://...: the RabbitMQ queue the Pika broker publishes to, each message acknowledged
  once its facts are committed (a message handed again after a crash is kept once).
A broker or database that is down is waited for, said once in the log, and caught up on."""

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import Engine

from shop import settings
from shop.analytics.feed import record_events
from shop.db import session_scope

logger = logging.getLogger(__name__)

BATCH = 500
QUEUE = "shop_analytics"  # the queue the Rasa server's Pika broker declares (addons/event_broker.py)


class SqlBrokerSource:
    """Rasa's SQLEventBroker table (id, sender_id, data)."""

    def __init__(self, url: str, shop_db_url: str | None = None) -> None:
        self.engine: Engine = create_engine(url, future=True)
        self.shop_db_url = shop_db_url

    def _rows(self) -> list[tuple[int, str]]:
        with self.engine.connect() as connection:
            try:
                rows = connection.execute(text("SELECT id, data FROM events ORDER BY id LIMIT :n"), {"n": BATCH})
                return [(int(i), d) for i, d in rows]
            except Exception as error:  # the table comes with the Rasa server's first start
                if "events" in str(error) and ("no such table" in str(error) or "does not exist" in str(error)):
                    return []
                raise

    def drain_once(self) -> int:
        """Reads one batch; returns how many rows it read (0: caught up)."""
        rows = self._rows()
        if not rows:
            return 0
        with session_scope(self.shop_db_url) as session:
            record_events(session, (_parse(data) for _, data in rows))
        # Only once the facts are committed, and only the rows read: on PostgreSQL two Rasa
        # servers' transactions commit out of id order, so a lower id can appear after the read.
        with self.engine.begin() as connection:
            connection.execute(
                text("DELETE FROM events WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
                {"ids": [row_id for row_id, _ in rows]},
            )
        return len(rows)

    def drain(self) -> int:
        total = 0
        while read := self.drain_once():
            total += read
        return total


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Waits `seconds`, or less when `stop` is set meanwhile."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _parse(data: Any) -> Any:
    try:
        return json.loads(data)
    except (TypeError, ValueError):
        return None  # a row no one can read is skipped, not retried forever


async def consume_sql(source: SqlBrokerSource, poll_seconds: float, stop: asyncio.Event) -> None:
    down = False
    while not stop.is_set():
        try:
            await asyncio.to_thread(source.drain)
            if down:
                logger.warning("Analytics: the event broker's database is back; caught up.")
                down = False
        except Exception as error:
            if not down:
                logger.warning("Analytics: cannot read the event broker's database (%s); retrying.", error)
                down = True
        await pause(stop, poll_seconds)


def record_message(body: bytes, shop_db_url: str | None = None) -> int:
    with session_scope(shop_db_url) as session:
        return record_events(session, [_parse(body)])


async def consume_rabbitmq(
    url: str, stop: asyncio.Event, shop_db_url: str | None = None, queue_name: str = QUEUE
) -> None:
    """Consumes the queue until `stop` is set. A robust connection: when RabbitMQ goes away it
    reconnects and consumes again by itself; only the first connection is retried here."""
    import aio_pika

    down = False
    while not stop.is_set():
        try:
            connection = await aio_pika.connect_robust(url, timeout=10, reconnect_interval=2)
            async with connection:
                channel = await connection.channel()
                await channel.set_qos(prefetch_count=100)
                queue = await channel.declare_queue(queue_name, durable=True)
                if down:
                    logger.warning("Analytics: RabbitMQ is back; catching up.")
                    down = False
                async with queue.iterator() as messages:
                    stopping = asyncio.ensure_future(stop.wait())
                    while not stop.is_set():
                        getting = asyncio.ensure_future(messages.__anext__())
                        done, _ = await asyncio.wait({getting, stopping}, return_when=asyncio.FIRST_COMPLETED)
                        if getting not in done:
                            getting.cancel()
                            break
                        message = getting.result()
                        await asyncio.to_thread(record_message, message.body, shop_db_url)
                        await message.ack()  # only once the facts are committed
                    stopping.cancel()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if not down:
                logger.warning("Analytics: cannot reach RabbitMQ (%s); retrying.", error)
                down = True
            await pause(stop, 2)


def consumer_for(url: str, shop_db_url: str | None = None) -> Callable[[asyncio.Event], Any]:
    """The consuming coroutine for the broker at `url`."""
    if url.startswith("amqp"):
        return lambda stop: consume_rabbitmq(url, stop, shop_db_url)
    source = SqlBrokerSource(url, shop_db_url)
    poll = float(settings.get("ANALYTICS_POLL_SECONDS"))
    return lambda stop: consume_sql(source, poll, stop)
