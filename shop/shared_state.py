"""State that every process of a deployment must share: in Redis when REDIS_URL is set (several
Rasa servers and web apps behind a load balancer), in this process's memory otherwise (one
machine). Each kind has both, with the same methods:

- seen ids: a webhook event delivered twice is handled once (Messenger redeliveries);
- a throttle: failed logins per email and client address;
- a lease: one process at a time runs a periodic job (the inbox sweep);
- pending events: accepted (Meta got its 200) but not handled yet, kept until handled so a
  restart loses none (files under STATE_DIR on one machine).

Redis is asked with short timeouts; when it cannot be reached the call raises RedisError, which
the callers turn into a clear failure (never a second handling)."""

import hashlib
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import cache
from pathlib import Path
from typing import Any

from shop import settings
from shop.health import OK, down

REDIS_TIMEOUT = 1.0  # seconds; a healthy local Redis answers in well under a millisecond
# A counter and its expiry in one step: a counter left without one would count for good.
COUNT_IN_WINDOW = (
    "local c = redis.call('incr', KEYS[1]) if c == 1 then redis.call('expire', KEYS[1], ARGV[1]) end return c"
)


@cache
def _redis(url: str) -> Any:
    import redis  # only where Redis is configured

    return redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)


def redis_client() -> Any | None:
    """The shared Redis client, or None when REDIS_URL is not set (one machine)."""
    url = settings.get("REDIS_URL")
    return _redis(url) if url else None


def redis_health(client: Any) -> str:
    """A health check of one Redis: "ok", or why not."""
    import redis

    try:
        client.ping()
    except redis.RedisError as error:
        return down(error)
    return OK


def check_redis() -> str | None:
    """The shared Redis's health; None when there is none to check."""
    client = redis_client()
    return None if client is None else redis_health(client)


# --------------------------------------------------------------------------- seen ids


class SeenIds:
    """Remembers each id for `ttl` seconds, and at most `max_size` ids (the oldest go first)."""

    def __init__(
        self, max_size: int = 50_000, ttl: float = 36 * 3600, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_size < 1 or ttl <= 0:
            raise ValueError("max_size must be at least 1 and ttl positive")
        self.max_size, self.ttl, self.clock = max_size, ttl, clock
        self._seen: OrderedDict[Hashable, float] = OrderedDict()  # id -> when last seen, oldest first

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


class RedisSeenIds:
    """SeenIds in Redis: `SET key 1 NX EX ttl`, atomic across every process."""

    def __init__(self, client: Any, prefix: str, ttl: float = 36 * 3600) -> None:
        self.client, self.prefix, self.ttl = client, prefix, int(ttl)

    def add(self, key: Hashable) -> bool:
        name = f"{self.prefix}:{key}"
        new = bool(self.client.set(name, 1, nx=True, ex=self.ttl))
        if not new:
            self.client.expire(name, self.ttl)  # a redelivery keeps the id alive, as in memory
        return new

    def __contains__(self, key: Hashable) -> bool:
        return bool(self.client.exists(f"{self.prefix}:{key}"))


def seen_ids(prefix: str) -> SeenIds | RedisSeenIds:
    client = redis_client()
    return RedisSeenIds(client, prefix) if client is not None else SeenIds()


# --------------------------------------------------------------------------- counts in a window


class Counts:
    """A count per key that starts again `window` seconds after the key's first count (as a
    Redis key expiring then would)."""

    def __init__(self, window: float, clock: Callable[[], float] = time.time) -> None:
        self.window, self.clock = window, clock
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, since)

    def _current(self, key: str, now: float) -> tuple[int, float]:
        count, since = self._counts.get(key, (0, now))
        return (0, now) if now - since >= self.window else (count, since)

    def get(self, key: str) -> int:
        return self._current(key, self.clock())[0]

    def add(self, key: str) -> int:
        """Counts one more; returns the count in the key's window."""
        now = self.clock()
        count, since = self._current(key, now)
        self._counts[key] = (count + 1, since)
        if len(self._counts) > 100_000:  # forget windows that are over, so memory stays bounded
            self._counts = {k: v for k, v in self._counts.items() if now - v[1] < self.window}
        return count + 1

    def reset(self, key: str) -> None:
        self._counts.pop(key, None)


class RedisCounts:
    """Counts in Redis, shared by every process: a key per count, expiring with its window."""

    def __init__(self, client: Any, prefix: str, window: float) -> None:
        self.client, self.prefix, self.window = client, prefix, int(window)

    def get(self, key: str) -> int:
        return int(self.client.get(f"{self.prefix}:{key}") or 0)

    def add(self, key: str) -> int:
        return int(self.client.eval(COUNT_IN_WINDOW, 1, f"{self.prefix}:{key}", self.window))

    def reset(self, key: str) -> None:
        self.client.delete(f"{self.prefix}:{key}")


# --------------------------------------------------------------------------- throttle


class Throttle:
    """After `limit` failures for one key within `window` seconds, the key is refused until the
    window has passed."""

    def __init__(
        self,
        limit: int = 5,
        window: float = 900,
        clock: Callable[[], float] = time.time,
        counts: Counts | RedisCounts | None = None,
    ) -> None:
        self.limit = limit
        self.counts = counts or Counts(window, clock)

    def blocked(self, key: str) -> bool:
        return self.counts.get(key) >= self.limit

    def failed(self, key: str) -> None:
        self.counts.add(key)

    def succeeded(self, key: str) -> None:
        self.counts.reset(key)


class RedisThrottle(Throttle):
    """Throttle in Redis: a counter per key that expires `window` seconds after its first failure."""

    def __init__(self, client: Any, prefix: str, limit: int = 5, window: float = 900) -> None:
        super().__init__(limit, counts=RedisCounts(client, prefix, window))


def throttle(prefix: str, limit: int = 5, window: float = 900) -> Throttle:
    client = redis_client()
    return RedisThrottle(client, prefix, limit, window) if client is not None else Throttle(limit, window)


# --------------------------------------------------------------------------- rate limit


class RateLimit:
    """At most `limit` hits per key in each window of `window` seconds."""

    def __init__(
        self,
        limit: int,
        window: float = 60,
        clock: Callable[[], float] = time.time,
        counts: Counts | RedisCounts | None = None,
    ) -> None:
        self.limit = limit
        self.counts = counts or Counts(window, clock)

    def hit(self, key: str) -> bool:
        """Counts a hit; False when the key is over its limit (refuse it)."""
        return self.counts.add(key) <= self.limit


class RedisRateLimit(RateLimit):
    """RateLimit in Redis, counted across every server."""

    def __init__(self, client: Any, prefix: str, limit: int, window: float = 60) -> None:
        super().__init__(limit, counts=RedisCounts(client, prefix, window))


def rate_limit(prefix: str, limit: int, window: float = 60) -> RateLimit:
    client = redis_client()
    return RedisRateLimit(client, prefix, limit, window) if client is not None else RateLimit(limit, window)


# --------------------------------------------------------------------------- lease


class Lease:
    """One process at a time holds the lease: in memory there is only this process."""

    def __init__(self) -> None:
        self.holder = uuid.uuid4().hex

    def acquire(self, seconds: float) -> bool:
        return True


class RedisLease:
    """A lease in Redis: taken with `SET name holder NX PX`, kept by its holder while it renews it
    within `seconds`, taken over by another process once it lapses (its holder died)."""

    _RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"

    def __init__(self, client: Any, name: str) -> None:
        self.client, self.name, self.holder = client, name, uuid.uuid4().hex

    def acquire(self, seconds: float) -> bool:
        milliseconds = int(seconds * 1000)
        if self.client.set(self.name, self.holder, nx=True, px=milliseconds):
            return True
        return bool(self.client.eval(self._RENEW, 1, self.name, self.holder, milliseconds))


def lease(name: str) -> Lease | RedisLease:
    client = redis_client()
    return RedisLease(client, name) if client is not None else Lease()


# --------------------------------------------------------------------------- pending events


class PendingFiles:
    """Events accepted but not yet handled, one file each under `directory`, so that those a
    stopped server still had queued are handled when it starts again (one machine)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def put(self, key: str, data: dict[str, Any]) -> None:
        temporary = self.directory / f".{uuid.uuid4().hex}.tmp"
        temporary.write_text(json.dumps({"key": key, "data": data}))
        temporary.replace(self._path(key))  # whole or not at all

    def claim(self, key: str) -> bool:
        """Takes the event to handle it now; False when another handler took it first."""
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            return False
        return True

    def leftovers(self) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for path in sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime):
            try:
                entry = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # claimed meanwhile, or not ours
            found.append((entry["key"], entry["data"]))
        return found


class RedisPending:
    """PendingFiles in a Redis hash shared by every server: whichever starts next handles what a
    stopped one left (the claim, HDEL, is atomic, so an event is taken once)."""

    def __init__(self, client: Any, name: str) -> None:
        self.client, self.name = client, name

    def put(self, key: str, data: dict[str, Any]) -> None:
        self.client.hset(self.name, key, json.dumps(data))

    def claim(self, key: str) -> bool:
        return bool(self.client.hdel(self.name, key))

    def leftovers(self) -> list[tuple[str, dict[str, Any]]]:
        return [(k.decode(), json.loads(v)) for k, v in self.client.hgetall(self.name).items()]


def pending(name: str) -> PendingFiles | RedisPending:
    client = redis_client()
    if client is not None:
        return RedisPending(client, f"{name}:pending")
    return PendingFiles(Path(settings.get("STATE_DIR")) / name)
