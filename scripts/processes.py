"""Servers started as subprocesses, as `make cluster` and the tests start them: a free port, and
waiting until one answers (or says why it could not start)."""

import socket
import subprocess
import time
from collections.abc import Callable

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(
    url: str,
    proc: subprocess.Popen,
    log: Callable[[], str],
    name: str,
    deadline: float,
    up: Callable[[requests.Response], bool] = lambda answer: answer.ok,
) -> None:
    """Polls `url` until its answer is `up`; RuntimeError with the log's end when the process
    exits first or the monotonic `deadline` passes."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited; log: {log()[-3000:]}")
        try:
            if up(requests.get(url, timeout=2)):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{name} did not answer at {url}; log: {log()[-3000:]}")
