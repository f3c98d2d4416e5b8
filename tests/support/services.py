"""The real services of `make services` (PostgreSQL, Redis) for the tests that need them: a test
without one skips with the reason; under CI (CI=true) a missing one is a failure."""

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://shop:shop@127.0.0.1:5432/shop_test")
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")


def missing(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error.__class__.__name__}): run `make services`"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must run every test)")
    pytest.skip(message)


def empty_postgres() -> Engine:
    """The PostgreSQL test database with no shop tables (nor migration stamp) left in it."""
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    except Exception as error:
        missing("PostgreSQL", error)
    return engine


def redis_host() -> str:
    import redis

    try:
        redis.Redis(host=REDIS_HOST, socket_timeout=2).ping()
    except Exception as error:
        missing("Redis", error)
    return REDIS_HOST
