"""The event broker Rasa publishes every event to, for the analytics consumer
(shop/analytics/), chosen by its URL (endpoints.yml `event_broker`, EVENT_BROKER_URL):
- amqp://user:password@host:5672/vhost: Rasa's Pika broker to RabbitMQ, into the consumer's
  durable queue; events published while RabbitMQ is away are kept and sent on reconnection;
- a database URL (the embedded default: sqlite under var/): Rasa's SQL event broker, its rows
  written in one transaction per batch, off the event loop, instead of one commit per event
  on it (a turn publishes about ten events)."""

import asyncio
import json
import logging
from asyncio import AbstractEventLoop
from typing import Any, Dict, List, Optional, Text
from urllib.parse import unquote, urlsplit

from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.pika import PikaEventBroker
from rasa.core.brokers.sql import SQLEventBroker
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

QUEUE = "shop_analytics"  # shop/analytics/consumer.py reads it
FLUSH_SECONDS = 0.2


class BatchedSQLEventBroker(SQLEventBroker):
    def __init__(self, url: Text) -> None:
        try:
            super().__init__(host=url)
        except Exception:  # servers started together race to create `events`: the loser finds it made
            super().__init__(host=url)  # a real failure raises again
        self._pending: List[Dict[Text, Any]] = []
        self._flush: Optional[asyncio.TimerHandle] = None
        self._writes: set = set()
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as connection:  # one log append per batch, as durable
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")

    def publish(self, event: Dict[Text, Any]) -> None:
        self._pending.append(event)
        if self._flush is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (a script): write at once
                self._write(self._take())
                return
            self._flush = loop.call_later(FLUSH_SECONDS, self._flush_in_thread, loop)

    def _take(self) -> List[Dict[Text, Any]]:
        batch, self._pending, self._flush = self._pending, [], None
        return batch

    def _flush_in_thread(self, loop: AbstractEventLoop) -> None:
        task = loop.run_in_executor(None, self._write, self._take())
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    def _write(self, batch: List[Dict[Text, Any]]) -> None:
        if not batch:
            return
        try:
            with self.session_scope() as session:
                session.add_all(self.SQLBrokerEvent(sender_id=e.get("sender_id"), data=json.dumps(e)) for e in batch)
                session.commit()
        except Exception:  # analytics must never stop a conversation; the loss is logged
            logger.exception("Event broker: %d events could not be written", len(batch))

    async def close(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
        self._write(self._take())
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)


def pika_config(url: Text) -> EndpointConfig:
    """Rasa's Pika broker settings from one amqp:// URL (its user and password taken out)."""
    parts = urlsplit(url)
    return EndpointConfig(
        url=url,
        username=unquote(parts.username or "guest"),
        password=unquote(parts.password or "guest"),
        port=parts.port or 5672,
        queues=[QUEUE],
        raise_on_failure=False,
    )


class _WithoutEvents(logging.Filter):
    """Rasa's Pika broker logs each event it could not publish whole (the customer's words)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "rasa_event=" in message:
            record.msg, record.args = message.split("rasa_event=")[0] + "rasa_event=<left out>", None
        return True


class ShopEventBroker(EventBroker):
    """Not a broker itself: picks Rasa's Pika broker or the batched SQL one by the URL."""

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Optional[AbstractEventLoop] = None
    ) -> Optional[EventBroker]:
        url = (broker_config.url or "").strip() if broker_config else ""
        if not url:
            return None
        if url.startswith("amqp"):
            logging.getLogger("rasa.core.brokers.pika").addFilter(_WithoutEvents())
            return await PikaEventBroker.from_endpoint_config(pika_config(url), event_loop)
        return BatchedSQLEventBroker(url)
