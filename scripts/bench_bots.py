"""The two bots `make bench` measures, each trained from clean and started the way its users start
it: ours with `make run` (embedded defaults, its own ports and throwaway databases), Rasa's
starter bot (`rasa init`'s project) with `rasa run` in a temporary folder."""

import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from scripts.processes import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
START_TIMEOUT = 600


@dataclass
class Trained:
    model: Path
    seconds: float
    megabytes: float


@dataclass
class Bot:
    """A running bot: its REST base URL, API token, the process group to stop, where it logs."""

    name: str
    url: str
    token: str
    proc: subprocess.Popen
    log: Path
    start_seconds: float = 0.0
    action_url: str | None = None
    web_url: str | None = None
    run_dir: Path | None = None
    servers: dict[str, int] = field(default_factory=dict)  # name -> pid
    silence_is_error: bool = True  # the starter bot answers some messages with nothing, by design

    def cpu_seconds(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.servers.items()}

    def rss_mb(self) -> dict[str, float]:
        return {name: rss_mb(pid) for name, pid in self.servers.items()}

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process (all its threads) has used."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def descendants(pid: int) -> list[tuple[int, str]]:
    """Every process under `pid`, with its command line, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        try:
            command = (Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")).decode(errors="replace")
        except OSError:
            continue
        found.append((child, command))
        todo.extend(children.get(child, []))
    return found


def server_pids(pid: int, patterns: dict[str, str]) -> dict[str, int]:
    """name -> pid of the python process under `pid` whose command line has the pattern."""
    found = {}
    for child, command in descendants(pid):
        for name, pattern in patterns.items():
            if pattern in command and "python" in command.split(" ")[0]:
                found[name] = child
    return found


def megabytes(path: Path) -> float:
    return round(path.stat().st_size / 2**20, 1)


def train(project: Path, out: Path, command: list[str], log: Path) -> Trained:
    """Trains from clean: a new, empty graph cache, so nothing of an earlier training is reused."""
    env = dict(os.environ, RASA_CACHE_DIRECTORY=str(out / "cache"), RASA_TELEMETRY_ENABLED="false")
    started = time.perf_counter()
    with log.open("ab") as output:
        subprocess.run(command, cwd=project, env=env, stdout=output, stderr=output, check=True)
    seconds = time.perf_counter() - started
    model = max((out / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return Trained(model, round(seconds, 1), megabytes(model))


def train_ours(workdir: Path) -> Trained:
    out = workdir / "ours"
    out.mkdir(parents=True, exist_ok=True)
    command = [str(BIN / "python"), "-m", "scripts.rasa_cli", "train", "--fixed-model-name", "shop"]
    command += ["--out", str(out / "models"), "--quiet"]
    return train(ROOT, out, command, workdir / "train-ours.log")


def make_starter(workdir: Path) -> Path:
    """`rasa init`'s project, copied as `rasa init` copies it (without its training)."""
    from rasa.cli.scaffold import create_initial_project

    project = workdir / "starter"
    create_initial_project(str(project))
    return project


def train_starter(workdir: Path, project: Path) -> Trained:
    command = [str(BIN / "rasa"), "train", "--out", str(workdir / "starter-out" / "models"), "--quiet"]
    (workdir / "starter-out").mkdir(exist_ok=True)
    return train(project, workdir / "starter-out", command, workdir / "train-starter.log")


def answered(url: str) -> bool:
    """A customer's first message got an answer (the moment a user of `make run` can chat)."""
    try:
        answer = requests.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": f"bench-start-{time.time_ns()}", "message": "hi"},
            timeout=30,
        )
        return answer.ok and bool(answer.json())
    except (requests.RequestException, ValueError):
        return False


def wait_answering(bot: Bot, started: float) -> None:
    deadline = started + START_TIMEOUT
    while time.perf_counter() < deadline:
        if bot.proc.poll() is not None:
            raise RuntimeError(f"{bot.name} exited; log: {bot.log.read_text(errors='replace')[-3000:]}")
        if answered(bot.url):
            bot.start_seconds = round(time.perf_counter() - started, 1)
            return
        time.sleep(0.25)
    raise RuntimeError(f"{bot.name} did not answer within {START_TIMEOUT} s; log: {bot.log}")


def spawn(command: list[str], cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    """A bot's processes in a group of their own (stopped together), their output in `log`."""
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output, start_new_session=True)


def start_ours(workdir: Path, model: Path) -> Bot:
    """`make run` with the embedded defaults, on free ports, with its own databases and run folder."""
    run_dir = workdir / "ours-run"
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WEB_PORT")}
    token = secrets.token_hex(16)
    env = dict(
        os.environ,
        **{name: str(port) for name, port in ports.items()},
        RUN_DIR=str(run_dir),
        SHOP_DB_URL=f"sqlite:///{workdir / 'shop.db'}",
        TRACKER_STORE_URL=f"sqlite:///{workdir / 'tracker.db'}",
        EVENT_BROKER_URL=f"sqlite:///{workdir / 'events.db'}",
        STATE_DIR=str(workdir / "state"),
        RASA_AUTH_TOKEN=token,
        ACTION_SERVER_URL=f"http://localhost:{ports['ACTION_PORT']}/webhook",
        # Every bench customer comes from 127.0.0.1: only the per-conversation limit applies.
        RATE_LIMIT_PER_CLIENT="1000000",
        INBOX_CONFIG=str(workdir / "inbox.yml"),
    )
    log = workdir / "make-run.log"
    started = time.perf_counter()
    proc = spawn(["make", "--no-print-directory", "run", f"MODEL={model}"], ROOT, env, log)
    bot = Bot("ours", f"http://127.0.0.1:{ports['RASA_PORT']}", token, proc, log, run_dir=run_dir)
    bot.action_url = f"http://127.0.0.1:{ports['ACTION_PORT']}"
    bot.web_url = f"http://127.0.0.1:{ports['WEB_PORT']}"
    wait_answering(bot, started)
    bot.servers = server_pids(
        proc.pid, {"Rasa server": "rasa_cli run", "action server": "-m actions", "web app": "-m web"}
    )
    return bot


def start_starter(workdir: Path, project: Path, model: Path) -> Bot:
    port, token = free_port(), secrets.token_hex(16)
    log = workdir / "starter-run.log"
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    command = [str(BIN / "rasa"), "run", "--enable-api", "--auth-token", token, "--port", str(port)]
    started = time.perf_counter()
    proc = spawn([*command, "--model", str(model)], project, env, log)
    bot = Bot("starter", f"http://127.0.0.1:{port}", token, proc, log, silence_is_error=False)
    wait_answering(bot, started)
    bot.servers = {"Rasa server": proc.pid}
    return bot
