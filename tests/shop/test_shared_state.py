"""shop/shared_state.py: seen ids, the throttle and the lease, in memory and in Redis."""

import pytest

from shop.shared_state import RedisLease, RedisSeenIds, RedisThrottle, SeenIds, Throttle
from tests.support import services


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_id_is_new_once():
    seen = SeenIds()
    assert seen.add("m_1") is True
    assert seen.add("m_1") is False
    assert seen.add("m_2") is True
    assert "m_1" in seen and "m_3" not in seen and len(seen) == 2


def test_ids_are_forgotten_after_the_ttl():
    clock = Clock()
    seen = SeenIds(ttl=60, clock=clock)
    seen.add("m_1")
    clock.now += 30
    seen.add("m_2")
    clock.now += 30  # m_1 is 60 s old
    assert "m_1" not in seen and "m_2" in seen
    assert len(seen) == 1
    assert seen.add("m_1") is True


def test_a_redelivery_keeps_the_id_alive():
    clock = Clock()
    seen = SeenIds(ttl=60, clock=clock)
    seen.add("m_1")
    clock.now += 50
    assert seen.add("m_1") is False
    clock.now += 50  # 100 s after the first delivery, 50 s after the retry
    assert seen.add("m_1") is False


def test_the_oldest_ids_go_when_full():
    seen = SeenIds(max_size=3)
    for mid in ("a", "b", "c"):
        seen.add(mid)
    seen.add("a")  # seen again: now the newest
    seen.add("d")
    assert len(seen) == 3
    assert "b" not in seen and all(mid in seen for mid in ("a", "c", "d"))


@pytest.mark.parametrize("args", [{"max_size": 0}, {"ttl": 0}])
def test_limits_must_make_sense(args):
    with pytest.raises(ValueError):
        SeenIds(**args)


# --------------------------------------------------------------------------- the throttle


def test_failures_from_one_address_do_not_lock_the_agent_out_elsewhere():
    from web.auth import throttle_key

    clock = Clock()
    throttle = Throttle(limit=5, window=900, clock=clock)
    attacker = throttle_key("alice@shop.example", "203.0.113.9")
    for _ in range(5):
        throttle.failed(attacker)
    assert throttle.blocked(attacker)
    assert not throttle.blocked(throttle_key("alice@shop.example", "198.51.100.4"))
    clock.now += 901
    assert not throttle.blocked(attacker)  # only for the window


# --------------------------------------------------------------------------- in Redis (make services)


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis(host=services.redis_host(), db=15)
    client.flushdb()
    yield client
    client.flushdb()


def test_redis_seen_ids_are_shared_by_every_process(redis_client):
    first, second = RedisSeenIds(redis_client, "test:seen"), RedisSeenIds(redis_client, "test:seen")
    assert first.add("m_1") is True
    assert second.add("m_1") is False  # another server sees the redelivery
    assert "m_1" in second and "m_2" not in second
    assert 0 < redis_client.ttl("test:seen:m_1") <= 36 * 3600


def test_redis_throttle_counts_across_processes_and_expires(redis_client):
    one, two = (
        RedisThrottle(redis_client, "test:login", limit=3, window=60),
        RedisThrottle(redis_client, "test:login", 3, 60),
    )
    for throttle in (one, two, one):
        throttle.failed("alice|203.0.113.9")
    assert two.blocked("alice|203.0.113.9")
    assert not two.blocked("alice|198.51.100.4")
    assert 0 < redis_client.ttl("test:login:alice|203.0.113.9") <= 60
    one.succeeded("alice|203.0.113.9")
    assert not two.blocked("alice|203.0.113.9")


def test_a_redis_lease_has_one_holder_until_it_lapses(redis_client):
    import time

    first, second = RedisLease(redis_client, "test:sweep"), RedisLease(redis_client, "test:sweep")
    assert first.acquire(0.5) is True
    assert second.acquire(0.5) is False
    assert first.acquire(0.5) is True  # its holder renews it
    time.sleep(0.7)  # the holder stopped renewing
    assert second.acquire(0.5) is True
    assert first.acquire(0.5) is False


def test_without_redis_everything_stays_in_this_process(monkeypatch):
    from shop import shared_state

    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(shared_state.seen_ids("x"), SeenIds)
    assert isinstance(shared_state.throttle("x"), Throttle)
    assert shared_state.lease("x").acquire(5) is True


def test_with_redis_configured_the_shared_versions_are_used(monkeypatch):
    from shop import shared_state

    monkeypatch.setenv("REDIS_URL", f"redis://{services.REDIS_HOST}:6379/15")
    assert isinstance(shared_state.seen_ids("x"), RedisSeenIds)
    assert isinstance(shared_state.throttle("x"), RedisThrottle)
    assert isinstance(shared_state.lease("x"), RedisLease)


def test_the_shared_redis_health_is_checked_only_when_configured(redis_client, monkeypatch):
    from shop import shared_state

    monkeypatch.delenv("REDIS_URL", raising=False)
    assert shared_state.check_redis() is None
    monkeypatch.setenv("REDIS_URL", f"redis://{services.REDIS_HOST}:6379/15")
    assert shared_state.check_redis() == "ok"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    assert shared_state.check_redis() == "down: ConnectionError"


def test_a_web_chat_message_reaches_a_socket_on_another_rasa_server(redis_client, monkeypatch):
    """Two web chat channels (two Rasa servers) sharing Redis: an emit on one reaches the other's socket."""
    import asyncio

    from addons.webchat import WebChatInput

    monkeypatch.setenv("REDIS_URL", f"redis://{services.REDIS_HOST}:6379/15")
    monkeypatch.setenv("CHAT_SESSION_SECRET", "test")

    def server():
        channel = WebChatInput(user_message_evt="user_uttered", bot_message_evt="bot_uttered", session_persistence=True)

        async def on_new_message(message):
            pass

        channel.blueprint(on_new_message)
        return channel.sio

    async def run():
        holding, other = server(), server()
        sid = await holding.manager.connect("eio-1", "/")
        await holding.enter_room(sid, "conversation-1")
        delivered = []

        async def send_eio_packet(eio_sid, packet):
            delivered.append((eio_sid, packet.data))

        holding._send_eio_packet = send_eio_packet
        holding.manager.initialize()  # listens to Redis
        other.manager.initialize()
        await asyncio.sleep(1)
        await other.emit("bot_uttered", {"text": "Hello from Alice!"}, room="conversation-1")
        for _ in range(50):
            if delivered:
                break
            await asyncio.sleep(0.1)
        return delivered

    delivered = asyncio.run(run())
    # The socket.io EVENT packet ("2" and the JSON of the event) on the holding server's socket.
    assert delivered == [("eio-1", '2["bot_uttered",{"text":"Hello from Alice!"}]')]


# --------------------------------------------------------------------------- pending events


def test_pending_files_are_claimed_once_and_left_over_until_then(tmp_path):
    from shop.shared_state import PendingFiles

    store = PendingFiles(tmp_path / "pending")
    store.put("m_1", {"text": "one"})
    store.put("m_2", {"text": "two"})
    assert PendingFiles(tmp_path / "pending").leftovers() == [("m_1", {"text": "one"}), ("m_2", {"text": "two"})]
    assert store.claim("m_1") is True
    assert store.claim("m_1") is False  # taken once
    assert store.leftovers() == [("m_2", {"text": "two"})]


def test_redis_pending_is_shared_and_claimed_once(redis_client):
    from shop.shared_state import RedisPending

    one, two = RedisPending(redis_client, "test:pending"), RedisPending(redis_client, "test:pending")
    one.put("m_1", {"text": "one"})
    assert two.leftovers() == [("m_1", {"text": "one"})]
    assert two.claim("m_1") is True
    assert one.claim("m_1") is False
    assert one.leftovers() == []


def test_a_redis_rate_limit_counts_across_servers(redis_client):
    from shop.shared_state import RedisRateLimit

    one, two = RedisRateLimit(redis_client, "test:rate", 3, 60), RedisRateLimit(redis_client, "test:rate", 3, 60)
    assert [one.hit("alice"), two.hit("alice"), one.hit("alice"), two.hit("alice")] == [True, True, True, False]
    assert one.hit("bob") is True
    assert 0 < redis_client.ttl("test:rate:alice") <= 60
