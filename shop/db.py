"""Engine and sessions of the shop database: SQLite under var/ by default, any URL from SHOP_DB_URL."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shop.health import OK, down
from shop.settings import database_url

DB_WAIT_SECONDS = 10


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Writers wait for each other instead of failing with "database is locked", but not for
        # long: a turn must end (with an apology if need be) well within Rasa's 60 s lock.
        engine = create_engine(url, connect_args={"timeout": DB_WAIT_SECONDS}, future=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {}
    if url.startswith("postgresql"):
        # The same bound on PostgreSQL: a statement (or a wait for a row lock) is cut after it.
        connect_args = {"options": f"-c statement_timeout={DB_WAIT_SECONDS * 1000}", "connect_timeout": 5}
    return create_engine(url, pool_pre_ping=True, future=True, connect_args=connect_args)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


_factories: dict[str, sessionmaker] = {}
# Alembic's context is process-global: two threads (the action server's workers) opening the
# database at once must not run the migrations side by side.
_factories_lock = threading.Lock()


def _factory_for(url: str) -> sessionmaker:
    known = _factories.get(url)
    if known is not None:  # every session after the first: no lock taken
        return known
    with _factories_lock:
        if url not in _factories:
            engine = make_engine(url)
            # Pending migrations are applied on first use (at head: one read of alembic_version).
            from shop import migrations  # here: alembic is imported only where a database is opened

            migrations.upgrade(engine)
            _factories[url] = sessionmaker(bind=engine, expire_on_commit=False, future=True)
        return _factories[url]


def session_factory(url: str | None = None) -> sessionmaker:
    """The process-wide session factory for this URL; brings its schema up to date on first use."""
    return _factory_for(url or database_url())


def check_database(url: str | None = None) -> str:
    """A health check: "ok", or "down: <error>" when the database does not answer a query."""
    try:
        with session_factory(url)() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means down; its kind is what an operator needs
        return down(error)
    return OK


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back whole on any error."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
