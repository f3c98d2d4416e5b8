"""The production shape on one machine: two Rasa servers, two action servers and two web apps
behind nginx, on PostgreSQL and a Redis of their own (Debian's packages; `make services`
installs them).

    python -m scripts.cluster [--port 8080]     (make cluster; Ctrl-C stops it)

nginx on the port sends the chat channels (/webhooks, /socket.io) to the Rasa servers, each
conversation to one of them (hashed on ?sender= for REST, else on the client's address, which
keeps a socket.io session on its server), everything else to the web apps, and the Rasa servers'
action calls to the action servers (an internal port). Nothing lives in one process:
conversations in PostgreSQL (the tracker store), locks and shared state in Redis. The cluster
starts its own redis-server (a free port, nothing saved), so a test can kill it and start it
again; with CLUSTER_REDIS set it uses that Redis instead. tests/cluster/ runs against it."""

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import redis
from sqlalchemy import create_engine, text

from scripts.processes import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
POSTGRES = os.environ.get("CLUSTER_POSTGRES", "postgresql://shop:shop@127.0.0.1:5432")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# A Redis of the caller's (shared with others: its db is flushed at each start) instead of our own.
EXTERNAL_REDIS = os.environ.get("CLUSTER_REDIS", "")

NGINX_CONF = ROOT / "deploy" / "nginx" / "cluster.conf"


def fresh_database(name: str) -> str:
    """An empty PostgreSQL database `name` (dropped and made again); its URL."""
    engine = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{POSTGRES}/{name}"


class Cluster:
    def __init__(self, workdir: Path, port: int = 0, replicas: int = 2, rate: int = 1000) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.actions_port = free_port()
        self.rasa_ports = [free_port() for _ in range(replicas)]
        self.action_ports = [free_port() for _ in range(replicas)]
        self.web_ports = [free_port() for _ in range(replicas)]
        self.redis_port = (urlsplit(EXTERNAL_REDIS).port or 6379) if EXTERNAL_REDIS else free_port()
        self.rate = rate
        self.token = secrets.token_urlsafe(24)
        self.action_token = secrets.token_hex(24)
        self.procs: dict[str, subprocess.Popen] = {}
        self.env: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    @property
    def redis_url(self) -> str:
        """Shared state's Redis (db 0 of ours); Rasa's lock store uses db 1 of the same server."""
        return EXTERNAL_REDIS or f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def owns_redis(self) -> bool:
        """Whether the cluster runs its Redis itself (so it may kill it and start it again)."""
        return not EXTERNAL_REDIS

    def prepare(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "nginx-tmp").mkdir(exist_ok=True)
        self.env = dict(
            os.environ,
            SHOP_DB_URL=fresh_database("shop_cluster"),
            TRACKER_STORE_URL=fresh_database("rasa_cluster"),
            # Rasa's SQL event broker and tracker store both name their table `events`.
            EVENT_BROKER_URL=fresh_database("events_cluster"),
            LOCK_STORE_TYPE="redis",
            LOCK_STORE_HOST=urlsplit(self.redis_url).hostname or "127.0.0.1",
            LOCK_STORE_PORT=str(self.redis_port),
            REDIS_URL=self.redis_url,
            ACTION_SERVER_URL=f"http://127.0.0.1:{self.actions_port}/webhook",
            ACTION_SERVER_TOKEN=self.action_token,
            RASA_AUTH_TOKEN=self.token,
            BOOKING_LINK_SECRET=secrets.token_hex(16),
            CHAT_SESSION_SECRET=secrets.token_hex(16),
            WEB_SECRET_KEY=secrets.token_hex(16),
            INBOX_DEMO_PASSWORD="",
            PUBLIC_BASE_URL=self.url,
            WEB_PUBLIC_URL=self.url,
            RASA_PUBLIC_URL=self.url,
            SANIC_PROXIES_COUNT="1",
            RATE_LIMIT_PER_CLIENT="1000000",  # the test's customers all come from 127.0.0.1
            STATE_DIR=str(self.workdir / "state"),
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
            PYTHONWARNINGS="ignore::DeprecationWarning",
        )
        if not self.owns_redis:
            redis.Redis.from_url(self.redis_url).flushdb()
        subprocess.run([PYTHON, "-m", "shop.seed"], cwd=ROOT, env=self.env, check=True, capture_output=True)
        subprocess.run(
            [PYTHON, "-m", "scripts.make_credentials", str(self.workdir / "credentials.yml")],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        servers = "\n".join
        (self.workdir / "nginx.conf").write_text(
            NGINX_CONF.read_text().format(
                dir=self.workdir,
                port=self.port,
                actions_port=self.actions_port,
                rate=self.rate,
                burst=self.rate * 2,
                rasa=servers(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in self.rasa_ports),
                actions=servers(f"        server 127.0.0.1:{p};" for p in self.action_ports),
                web=servers(f"        server 127.0.0.1:{p};" for p in self.web_ports),
            )
        )

    def _spawn(self, name: str, args: list[str], **env: str) -> None:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 (open while the process runs)
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=log)

    def start_rasa(self, index: int) -> None:
        self._spawn(
            f"rasa{index}",
            [PYTHON, "-m", "scripts.rasa_cli", "run", "--enable-api", "--port", str(self.rasa_ports[index]),
             "--model", str(ROOT / "models" / "shop.tar.gz"), "--endpoints", "endpoints.yml",
             "--credentials", str(self.workdir / "credentials.yml")],
        )  # fmt: skip

    def start_redis(self, timeout: float = 30) -> None:
        """Our redis-server (again after a kill: same port, empty): on 127.0.0.1, nothing saved."""
        data = self.workdir / "redis"
        data.mkdir(exist_ok=True)
        self._spawn(
            "redis",
            [REDIS_SERVER, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(data)],
        )  # fmt: skip
        proc, deadline = self.procs["redis"], time.monotonic() + timeout
        with redis.Redis(port=self.redis_port, socket_connect_timeout=1) as client:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"redis exited; log: {self.log('redis')[-3000:]}")
                try:
                    client.ping()
                    return
                except redis.RedisError:
                    time.sleep(0.1)
        raise RuntimeError(f"redis did not answer on port {self.redis_port}; log: {self.log('redis')[-3000:]}")

    def start(self, timeout: float = 900) -> "Cluster":
        self.prepare()
        if self.owns_redis:
            self.start_redis()
        for index, port in enumerate(self.action_ports):
            self._spawn(f"actions{index}", [PYTHON, "-m", "actions"], ACTION_PORT=str(port))
        for index, port in enumerate(self.web_ports):
            # Each web app reads conversations through one Rasa server's HTTP API (never public).
            self._spawn(f"web{index}", [PYTHON, "-m", "web"], WEB_PORT=str(port), RASA_URL=self.rasa_url(index))
        for index in range(len(self.rasa_ports)):
            self.start_rasa(index)
        # One consumer for every Rasa server's events (shop/analytics/), as in production.
        self._spawn("analytics", [PYTHON, "-m", "shop.analytics"], ANALYTICS_POLL_SECONDS="0.5")
        self._spawn(
            "nginx", [NGINX, "-p", str(self.workdir), "-c", str(self.workdir / "nginx.conf"), "-g", "daemon off;"]
        )
        deadline = time.monotonic() + timeout
        for index in range(len(self.rasa_ports)):
            self.wait_for(f"{self.rasa_url(index)}/webhooks/rest/", f"rasa{index}", deadline)
        for index, port in enumerate(self.web_ports):
            self.wait_for(f"http://127.0.0.1:{port}/health", f"web{index}", deadline)
        self.wait_for(f"{self.url}/health", "nginx", deadline)
        return self

    def wait_for(self, url: str, name: str, deadline: float) -> None:
        wait_until_up(url, self.procs[name], lambda: self.log(name), name, deadline)

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, name: str) -> None:
        """As a crash would: SIGKILL, no goodbye."""
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait(timeout=30)

    def stop(self) -> None:
        for proc in list(self.procs.values()):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    cluster = Cluster(ROOT / "var" / "cluster", port=args.port)
    print("starting: PostgreSQL must be running (make services); the two models load in a few minutes")
    try:
        cluster.start()
        print(f"The cluster is up: {cluster.url} (shop and widget), {cluster.url}/webhooks/rest/webhook (REST).")
        print(f"Logs in {cluster.workdir}. Ctrl-C stops it.")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)  # a SIGTERM stops the cluster as Ctrl-C does
    sys.exit(main())
