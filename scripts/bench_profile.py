"""Where a turn's time goes in the Rasa server: py-spy samples the running server during a load and
each sample is put in the stage of a turn it belongs to (NLU, policies, action calls, tracker store
load and save, the channel), named by the innermost frame that marks a stage."""

import shutil
import signal
import subprocess
from pathlib import Path

# (stage, function, file ending), tried from the innermost frame outwards: the first match names
# the stage, so a tracker saved inside the channel's handler counts as "tracker store save".
STAGES = (
    ("tracker store load", "retrieve", "rasa/core/tracker_store.py"),
    ("tracker store load", "retrieve_full_tracker", "rasa/core/tracker_store.py"),
    ("tracker store save", "save", "rasa/core/tracker_store.py"),
    ("NLU", "parse_message", "rasa/core/processor.py"),
    ("policies", "predict_next_with_tracker_if_should", "rasa/core/processor.py"),
    ("policies", "_predict_next_with_tracker", "rasa/core/processor.py"),
    ("actions", "run", "rasa/core/actions/action.py"),
    ("actions", "run", "rasa/core/actions/forms.py"),
    ("actions", "run", "rasa/core/actions/loops.py"),
    ("REST channel and JSON", "receive", "rasa/core/channels/rest.py"),
    ("REST channel and JSON", "receive", "addons/rest.py"),
)
# Within "actions": the round trip to the action server (the rest is responses, slot extraction
# and forms done by the Rasa server itself).
ACTION_SERVER_CALL = ("request", "rasa/utils/endpoints.py")
# Frames (function, file ending) that mean the thread is waiting, not working.
# Sanic runs on uvloop, whose wait has no Python frame: a sample ending in its serve() is idle.
IDLE = (("select", "selectors.py"), ("_run_once", "asyncio/base_events.py"), ("serve", "sanic/server/runners.py"))


def py_spy() -> str | None:
    return shutil.which("py-spy") or (str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "py-spy"))


def start(pid: int, out: Path, rate: int = 100) -> subprocess.Popen:
    """py-spy recording `pid` (without pausing it) until `stop`."""
    return subprocess.Popen(
        [py_spy(), "record", "--pid", str(pid), "--format", "raw", "--rate", str(rate), "--nonblocking"]
        + ["--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop(proc: subprocess.Popen) -> str:
    """Ends the recording (py-spy writes its file on SIGINT); py-spy's complaint, if any."""
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        return "py-spy did not stop"
    return err.decode(errors="replace").strip() if proc.returncode not in (0, -signal.SIGINT) else ""


def frame_parts(frame: str) -> tuple[str, str]:
    """'run (rasa/core/actions/action.py:123)' -> ('run', 'rasa/core/actions/action.py')."""
    name, _, where = frame.partition(" (")
    return name.strip(), where.rstrip(")").rsplit(":", 1)[0]


def stage_of(frames: list[str]) -> str | None:
    """The stage of one sample's stack (given outermost frame first); None when the thread was idle."""
    parts = [frame_parts(f) for f in frames]
    if parts and any(parts[-1][0] == name and parts[-1][1].endswith(file) for name, file in IDLE):
        return None
    for name, file in reversed(parts):
        for stage, stage_name, stage_file in STAGES:
            if name == stage_name and file.endswith(stage_file):
                if stage == "actions":
                    called = any(n == ACTION_SERVER_CALL[0] and f.endswith(ACTION_SERVER_CALL[1]) for n, f in parts)
                    return "actions: action server round trip" if called else "actions: in the Rasa server"
                return stage
    return "other (event loop, logging, locks)"


def breakdown(raw: str) -> dict[str, int]:
    """Samples per stage from py-spy's raw format (one 'frame;frame;... count' per line)."""
    counts: dict[str, int] = {}
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        stage = stage_of(frames)
        if stage:
            counts[stage] = counts.get(stage, 0) + int(count)
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def per_turn(counts: dict[str, int], rate: int, turns: int) -> dict[str, dict]:
    """Each stage's share of the busy samples and its milliseconds of server time per turn."""
    total = sum(counts.values())
    return {
        stage: {"share": round(n / total, 3), "ms_per_turn": round(n / rate * 1000 / turns, 1)}
        for stage, n in counts.items()
        if total and turns
    }


def short(frame: str) -> str:
    """'run (/x/.venv/lib/python3.10/site-packages/rasa/core/a.py:3)' -> 'run (rasa/core/a.py)'."""
    name, file = frame_parts(frame)
    for marker in ("site-packages/", "/lib/python3.10/"):
        if marker in file:
            return f"{name} ({file.split(marker, 1)[1]})"
    return f"{name} ({'/'.join(file.split('/')[-2:])})"


# Frames that only pass the work on (the server's loop, threads, the graph's scheduler).
DISPATCH = ("runpy.py", "sanic/", "asyncio/", "concurrent/futures/", "threading.py", "dask/", "rasa_sdk/executor.py")


def hot_functions(raw: str, top: int = 12) -> list[tuple[str, float]]:
    """The functions that hold the most busy samples (inclusive share), leaving out those that
    only dispatch and those half of all samples go through (the request handler's chain)."""
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if stage_of(frames) is None:
            continue
        total += int(count)
        for name in {short(f) for f in frames if not any(d in frame_parts(f)[1] for d in DISPATCH)}:
            inclusive[name] = inclusive.get(name, 0) + int(count)
    ranked = sorted(((n, c / total) for n, c in inclusive.items() if c / total < 0.5), key=lambda x: -x[1])
    return [(name, round(share, 3)) for name, share in ranked[:top]] if total else []
