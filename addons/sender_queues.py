"""Webhook events answered at once and handled after, each customer's in arrival order
(Messenger, Twilio): the sender of the webhook never waits for a turn, so it never retries one."""

import asyncio
import logging
from dataclasses import asdict, dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

logger = logging.getLogger(__name__)


@dataclass
class Inbound:
    """One customer event as Rasa gets it."""

    sender_id: Text
    text: Text
    key: Text  # what identifies a redelivery of the same event
    mid: Optional[Text] = None
    metadata: Dict[Text, Any] = field(default_factory=dict)


class SenderQueues:
    """Runs each customer's events one after another in arrival order, customers side by side.
    In memory: events still queued when the server stops are lost (the sender already got its 200)."""

    def __init__(self, channel: Text, who: Callable[[Text], Text]) -> None:
        self.channel, self.who = channel, who  # who: what logs show of a customer's id
        self._waiting: Dict[Text, List[Callable[[], Awaitable[Any]]]] = {}
        self._tasks: Set[asyncio.Task] = set()  # asyncio keeps only weak references to tasks

    def submit(self, sender_id: Text, job: Callable[[], Awaitable[Any]]) -> None:
        if sender_id in self._waiting:
            self._waiting[sender_id].append(job)
            return
        self._waiting[sender_id] = [job]
        task = asyncio.get_running_loop().create_task(self._drain(sender_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, sender_id: Text) -> None:
        jobs = self._waiting[sender_id]
        try:
            while jobs:
                try:
                    await jobs[0]()
                except Exception:
                    logger.exception("%s event of %s failed.", self.channel, self.who(sender_id))
                jobs.pop(0)
        finally:
            del self._waiting[sender_id]

    @property
    def busy(self) -> bool:
        return bool(self._waiting)


class QueuedWebhook:
    """What a webhook channel of answered-at-once events shares (Messenger, Twilio): each new
    event kept as pending (so a restart resumes it) and queued for its customer; a redelivery
    dropped; a customer over their messages a minute told to slow down, the message not handled.
    The channel provides `seen`, `pending`, `queues`, `limits` (addons/inbound.MessageLimits, per
    customer only: every call comes from Meta's or Twilio's addresses), `handle(item,
    on_new_message)` and `slow_down(sender_id)`."""

    seen: Any
    pending: Any
    queues: SenderQueues
    limits: Any

    async def handle(self, item: Inbound, on_new_message: Callable[..., Awaitable[Any]]) -> None:
        raise NotImplementedError  # the channel's own turn

    async def slow_down(self, sender_id: Text) -> None:
        raise NotImplementedError  # the channel's own "you're sending too fast" (and its count)

    def enqueue(self, item: Inbound, on_new_message: Callable[..., Awaitable[Any]]) -> bool:
        """Queues a new event; False for a redelivery of one already taken."""
        if not self.seen.add(item.key):
            logger.info("%s redelivered %s; already handled.", self.queues.channel, item.key)
            return False
        if not self.limits.allowed(item.sender_id, None):
            self.queues.submit(item.sender_id, lambda: self.slow_down(item.sender_id))
            return True
        self.pending.put(item.key, asdict(item))
        self._queue(item, on_new_message)
        return True

    def _queue(self, item: Inbound, on_new_message: Callable[..., Awaitable[Any]]) -> None:
        # After the answer, not inline: the sender retries (Meta) or gives up on (Twilio) a slow call.
        async def job() -> None:
            if self.pending.claim(item.key):  # else another server (or a drain) took it
                await self.handle(item, on_new_message)

        self.queues.submit(item.sender_id, job)

    def resume_pending(self, on_new_message: Callable[..., Awaitable[Any]]) -> int:
        """Queues the events a stopped server had accepted but not started; returns how many."""
        leftovers = self.pending.leftovers()
        for _key, data in leftovers:
            self._queue(Inbound(**data), on_new_message)
        if leftovers:
            logger.info(
                "%s: %d event(s) accepted before a restart are handled now.", self.queues.channel, len(leftovers)
            )
        return len(leftovers)
