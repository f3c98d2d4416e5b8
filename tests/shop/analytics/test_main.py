"""The consumer's heartbeat and its liveness answer (Kubernetes' probe)."""

import asyncio
import os
import subprocess
import sys
import time

from shop.analytics import __main__ as consumer_main
from shop.settings import PROJECT_ROOT


def test_alive_only_with_a_fresh_heartbeat(tmp_path, monkeypatch):
    heartbeat = tmp_path / "alive"
    monkeypatch.setenv("ANALYTICS_HEARTBEAT", str(heartbeat))
    assert not consumer_main.alive()  # never beat
    stop = asyncio.Event()

    async def one_beat():
        task = asyncio.create_task(consumer_main.beat(heartbeat, stop))
        await asyncio.sleep(0.05)
        stop.set()
        await task

    asyncio.run(one_beat())
    assert consumer_main.alive()
    old = time.time() - 120
    os.utime(heartbeat, (old, old))
    assert not consumer_main.alive()


def test_the_probe_command_answers_by_exit_code(tmp_path):
    heartbeat = tmp_path / "alive"
    env = {**os.environ, "ANALYTICS_HEARTBEAT": str(heartbeat)}
    probe = [sys.executable, "-m", "shop.analytics", "--alive"]
    assert subprocess.run(probe, env=env, cwd=PROJECT_ROOT).returncode == 1
    heartbeat.touch()
    assert subprocess.run(probe, env=env, cwd=PROJECT_ROOT).returncode == 0
