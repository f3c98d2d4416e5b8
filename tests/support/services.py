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


def shop_postgres(monkeypatch: pytest.MonkeyPatch, seeded: bool = False) -> str:
    """The shop schema, made by the migrations, in the empty PostgreSQL test database, which the
    processes under test use (SHOP_DB_URL); with the seed's catalog and reps when `seeded`."""
    from shop import migrations

    engine = empty_postgres()
    migrations.upgrade(engine)  # explicitly: the process's session factory for the URL is cached
    engine.dispose()
    if seeded:
        from shop.seed import seed

        seed(POSTGRES_URL)
    monkeypatch.setenv("SHOP_DB_URL", POSTGRES_URL)
    return POSTGRES_URL


def redis_host() -> str:
    import redis

    try:
        redis.Redis(host=REDIS_HOST, socket_timeout=2).ping()
    except Exception as error:
        missing("Redis", error)
    return REDIS_HOST


class RabbitMQ:
    """A RabbitMQ node of its own (Debian's rabbitmq-server), on free ports, its data under
    `workdir`; `stop` and `start` again keep its durable queues (an outage and its end)."""

    def __init__(self, workdir) -> None:
        import shutil

        from scripts.processes import free_port

        # Debian's script itself, not its wrapper (which runs the node as the rabbitmq user, who
        # may not write here).
        direct = "/usr/lib/rabbitmq/bin/rabbitmq-server"
        server = direct if os.path.exists(direct) else shutil.which("rabbitmq-server")
        if server is None:
            missing("RabbitMQ (rabbitmq-server)", FileNotFoundError("rabbitmq-server"))
        self.server = server
        self.workdir = workdir
        self.port, self.dist_port = free_port(), free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self.env = dict(
            os.environ,
            HOME=str(workdir),  # its own Erlang cookie
            RABBITMQ_NODENAME=f"shoptest{self.port}@localhost",
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=str(workdir / "mnesia"),
            RABBITMQ_LOG_BASE=str(workdir / "log"),
            RABBITMQ_CONFIG_FILE=str(workdir / "rabbitmq"),  # none: the defaults
            RABBITMQ_ENABLED_PLUGINS_FILE=str(workdir / "enabled_plugins"),
            RABBITMQ_FEATURE_FLAGS_FILE=str(workdir / "feature_flags"),
        )
        (workdir / "enabled_plugins").write_text("[].\n")
        for folder in ("mnesia", "log"):
            (workdir / folder).mkdir(exist_ok=True)
        self.proc = None

    def start(self, timeout: float = 90) -> "RabbitMQ":
        import socket
        import subprocess
        import time

        log = open(self.workdir / "rabbitmq.out", "ab")  # noqa: SIM115 (open while the node runs)
        self.proc = subprocess.Popen([self.server], env=self.env, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    time.sleep(1.0)  # the listener opens just before the broker is ready
                    return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        missing("RabbitMQ", TimeoutError((self.workdir / "rabbitmq.out").read_text()[-500:]))
        return self

    def stop(self) -> None:
        import signal
        import subprocess

        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass  # it had exited
        self.proc = None
