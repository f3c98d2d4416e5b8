"""The same code on PostgreSQL and Redis: the shop database (seeding, the last-unit race, two
customers booking one meeting slot),
and the tracker and lock stores as endpoints.yml configures them from the environment.

Needs the services of `make services`. Without them the tests skip with the reason; under CI
(CI=true) a missing service is a failure."""

import os
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text, update

from shop import catalog, meetings
from shop.db import session_scope
from shop.models import Booking, Order, Product, Rep, Variant
from shop.orders import OutOfStock, place_order
from shop.seed import seed
from tests.support import services


@pytest.fixture
def postgres(monkeypatch) -> str:
    """A clean, seeded shop schema in the PostgreSQL test database, made by the migrations."""
    return services.shop_postgres(monkeypatch, seeded=True)


@pytest.fixture
def redis_host() -> str:
    return services.redis_host()


def test_seeding_postgres_twice_is_idempotent(postgres):
    first = _counts()
    assert seed(postgres) == {"products": 40, "orders_created": 0, "reps": 6, "agents": 5}
    assert _counts() == first == (40, 8)


def _counts():
    with session_scope() as session:
        return (session.scalar(select(func.count(Product.id))), session.scalar(select(func.count(Order.id))))


@pytest.mark.parametrize("buyers", [2, 4])
def test_last_unit_race_on_postgres(postgres, buyers):
    with session_scope() as session:
        product = catalog.find_product(session, "Classic Dress Shoes")
        vid = catalog.find_variant(product, "10", "black").id
        session.execute(update(Variant).where(Variant.id == vid).values(stock=1))
    barrier = threading.Barrier(buyers)
    results = []

    def buy():
        barrier.wait(timeout=10)
        try:
            with session_scope() as session:
                results.append(place_order(session, vid, 1, email="race@example.com").reference)
        except OutOfStock:
            results.append("out of stock")

    threads = [threading.Thread(target=buy) for _ in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == buyers
    assert results.count("out of stock") == buyers - 1
    with session_scope() as session:
        assert session.scalar(select(Variant.stock).where(Variant.id == vid)) == 0
        assert session.scalar(select(func.count(Order.id)).where(Order.email == "race@example.com")) == 1


@pytest.mark.parametrize("people, all_checked_first", [(2, False), (4, False), (2, True), (4, True)])
def test_double_booking_race_on_postgres(postgres, monkeypatch, people, all_checked_first):
    """Customers book the same rep and start at the same moment: one booking, the rest get
    SlotTaken. With all_checked_first every racer has passed the "is it free?" check before
    anyone writes, so only the partial unique index can stop the double booking."""
    now = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    start = datetime(2026, 3, 9, 10, tzinfo=timezone.utc)  # Monday 10:00 in London
    with session_scope() as session:
        rep_id = session.scalar(select(Rep.id).where(Rep.email == "hannah.whitfield@shop.example"))
    if all_checked_first:
        checked, check = threading.Barrier(people), meetings._bookable_rep

        def check_then_wait(*args, **kwargs):
            rep = check(*args, **kwargs)
            checked.wait(timeout=10)
            return rep

        monkeypatch.setattr(meetings, "_bookable_rep", check_then_wait)
    barrier = threading.Barrier(people)
    results = []

    def try_to_book(i):
        barrier.wait(timeout=10)
        try:
            with session_scope() as session:
                results.append(meetings.book(session, rep_id, start, f"racer{i}@example.com", "UTC", now=now).reference)
        except meetings.SlotTaken as taken:
            results.append(f"taken: {taken}")
        except Exception as error:
            results.append(f"error: {error!r}")

    threads = [threading.Thread(target=try_to_book, args=(i,)) for i in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == people, results
    taken = [r for r in results if r.startswith("taken")]
    assert len(taken) == people - 1, results
    if all_checked_first:
        assert all("just booked" in r for r in taken), results  # stopped by the index
    with session_scope() as session:
        rows = session.execute(select(Booking.reference, Booking.status).where(Booking.rep_id == rep_id)).all()
    assert rows == [(r, "booked") for r in results if not r.startswith("taken")]


def _endpoint(name, env, monkeypatch):
    from rasa.utils.endpoints import read_endpoint_config

    # endpoints.yml is expanded whole, so every variable it names must be set.
    defaults = {
        "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook",
        "ACTION_SERVER_TOKEN": "",
        "TRACKER_STORE_URL": "sqlite://",
        "EVENT_BROKER_URL": "sqlite://",
        "LOCK_STORE_TYPE": "in_memory",
        "LOCK_STORE_HOST": "",
        "LOCK_STORE_PORT": "6379",
    }
    for key, value in {**defaults, **env}.items():
        monkeypatch.setenv(key, value)
    return read_endpoint_config("endpoints.yml", name)


def test_tracker_store_from_endpoints_runs_on_postgres(postgres, monkeypatch):
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load("domain.yml")
    endpoint = _endpoint("tracker_store", {"TRACKER_STORE_URL": postgres}, monkeypatch)
    store = TrackerStore.create(endpoint, domain)
    assert isinstance(store, SQLTrackerStore) and store.engine.dialect.name == "postgresql"
    tracker = DialogueStateTracker.from_events(
        "pg-customer", [UserUttered("hi"), SlotSet("product", "Hoodie")], domain.slots
    )

    import asyncio

    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve("pg-customer"))
    assert again.get_slot("product") == "Hoodie"


def test_lock_store_from_endpoints_uses_redis(redis_host, monkeypatch):
    import asyncio

    from rasa.core.lock_store import LockStore, RedisLockStore

    endpoint = _endpoint("lock_store", {"LOCK_STORE_TYPE": "redis", "LOCK_STORE_HOST": redis_host}, monkeypatch)
    store = LockStore.create(endpoint)
    assert isinstance(store, RedisLockStore)

    conversation = f"redis-customer-{os.getpid()}"

    async def hold():
        async with store.lock(conversation):
            # While one message holds the conversation, the next one's ticket must wait, and
            # a second Rasa server sharing this Redis sees the same lock.
            waiting = store.issue_ticket(conversation)
            other_server = LockStore.create(endpoint)
            assert other_server.get_lock(conversation).is_locked(waiting)
            store.cleanup(conversation, waiting)

    asyncio.run(hold())
    assert store.get_lock(conversation) is None


def test_a_statement_waiting_on_a_lock_is_cut_on_postgres(postgres, monkeypatch):
    """A turn never waits on the database past DB_WAIT_SECONDS: the action then apologizes."""
    from sqlalchemy.exc import OperationalError

    from shop import db

    monkeypatch.setattr(db, "DB_WAIT_SECONDS", 1)
    holder, waiter = db.make_engine(postgres), db.make_engine(postgres)
    try:
        with holder.begin() as held:
            held.execute(text("SELECT id FROM variants WHERE id = 1 FOR UPDATE"))
            with pytest.raises(OperationalError, match="statement timeout"), waiter.begin() as conn:
                conn.execute(text("UPDATE variants SET stock = stock WHERE id = 1"))
    finally:
        holder.dispose()
        waiter.dispose()
