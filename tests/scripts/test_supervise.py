"""scripts/supervise.sh (what `make run` keeps its servers running with): a server that exits is
restarted, its log appended to and rotated, and a stop ends it and its server."""

import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def supervised(tmp_path: Path, command: str, max_bytes: int = 10_000_000) -> subprocess.Popen:
    script = f'source scripts/supervise.sh; supervise demo "{tmp_path}/demo.log" sh -c {command!r}'
    return subprocess.Popen(
        ["bash", "-c", script],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "LOG_MAX_BYTES": str(max_bytes)},
        stdout=subprocess.PIPE,
        text=True,
    )


def wait_until(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_server_that_exits_is_restarted_and_its_log_kept(tmp_path):
    log = tmp_path / "demo.log"
    log.write_text("from the last run\n")
    proc = supervised(tmp_path, "echo ran; exit 3")
    wait_until(lambda: log.read_text().count("ran\n") >= 2)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    text = log.read_text()
    assert text.startswith("from the last run\n")  # appended, not erased
    assert text.count("starting demo") >= 2
    assert "demo exited (code 3); restarting it in 1 s" in out


def test_a_stop_ends_the_server_too(tmp_path):
    pid_file = tmp_path / "pid"
    proc = supervised(tmp_path, f"echo $$ > {pid_file}; exec sleep 300")
    wait_until(lambda: pid_file.exists() and pid_file.read_text().strip())
    server = int(pid_file.read_text())
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=20)
    assert proc.returncode == 0
    wait_until(
        lambda: not Path(f"/proc/{server}").exists() or "zombie" in Path(f"/proc/{server}/status").read_text().lower()
    )


def test_a_log_past_its_size_is_rotated(tmp_path):
    log = tmp_path / "demo.log"
    log.write_text("x" * 2000)
    (tmp_path / "demo.log.1").write_text("older")
    proc = supervised(tmp_path, "echo fresh; exec sleep 300", max_bytes=1000)
    wait_until(lambda: log.exists() and "fresh" in log.read_text())
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=20)
    assert (tmp_path / "demo.log.1").read_text() == "x" * 2000
    assert (tmp_path / "demo.log.2").read_text() == "older"
    assert "x" * 100 not in log.read_text()  # the new log starts empty
