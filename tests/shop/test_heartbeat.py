"""The workers' heartbeat file (shop/heartbeat.py), as their --alive probes read it."""

import os
import time

from shop import heartbeat


def test_a_recent_beat_is_alive_an_old_or_missing_one_is_not(tmp_path):
    beat = tmp_path / "beat"
    assert not heartbeat.alive(str(beat), 60) and not heartbeat.alive(None, 60)
    beat.touch()
    assert heartbeat.alive(str(beat), 60)
    old = time.time() - 120
    os.utime(beat, (old, old))
    assert not heartbeat.alive(str(beat), 60)
    assert heartbeat.alive(str(beat), 300)  # the outbox worker allows longer passes
