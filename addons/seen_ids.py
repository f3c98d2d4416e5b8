"""A bounded memory of ids already handled, so a webhook that is delivered twice is handled once.

In memory, so it only protects one process: several Rasa replicas behind a load balancer would
need a shared store (e.g. Redis `SET key 1 NX EX <ttl>`) instead."""

import time
from collections import OrderedDict
from typing import Callable, Hashable


class SeenIds:
    """Remembers each id for `ttl` seconds, and at most `max_size` ids (the oldest go first)."""

    def __init__(
        self, max_size: int = 50_000, ttl: float = 36 * 3600, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_size < 1 or ttl <= 0:
            raise ValueError("max_size must be at least 1 and ttl positive")
        self.max_size, self.ttl, self.clock = max_size, ttl, clock
        self._seen: "OrderedDict[Hashable, float]" = OrderedDict()  # id -> when last seen, oldest first

    def add(self, key: Hashable) -> bool:
        """Records `key`; True when it is new (handle it), False when it was seen recently."""
        now = self.clock()
        self._forget_expired(now)
        new = key not in self._seen
        self._seen[key] = now
        self._seen.move_to_end(key)  # a redelivery keeps the id alive: retries can go on for hours
        while len(self._seen) > self.max_size:
            self._seen.popitem(last=False)
        return new

    def __contains__(self, key: Hashable) -> bool:
        seen_at = self._seen.get(key)
        return seen_at is not None and self.clock() - seen_at < self.ttl

    def __len__(self) -> int:
        self._forget_expired(self.clock())
        return len(self._seen)

    def _forget_expired(self, now: float) -> None:
        # Entries are in time order, so the expired ones are all at the front.
        while self._seen:
            key, seen_at = next(iter(self._seen.items()))
            if now - seen_at < self.ttl:
                break
            del self._seen[key]
