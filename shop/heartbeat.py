"""A worker's heartbeat file (python -m shop.analytics, python -m shop.outbound): touched on each
pass, read by `--alive` (the Kubernetes probes) to tell a stuck worker from a working one."""

import os
import time


def alive(path: str | None, within_seconds: float, now: float | None = None) -> bool:
    """Whether the heartbeat at `path` was touched less than `within_seconds` ago."""
    if not path or not os.path.exists(path):
        return False
    return (now or time.time()) - os.path.getmtime(path) < within_seconds
