"""addons/seen_ids.py: the bounded memory of Messenger message ids already handled."""

import pytest

from addons.seen_ids import SeenIds


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_id_is_new_once():
    seen = SeenIds()
    assert seen.add("m_1") is True
    assert seen.add("m_1") is False
    assert seen.add("m_2") is True
    assert "m_1" in seen and "m_3" not in seen and len(seen) == 2


def test_ids_are_forgotten_after_the_ttl():
    clock = Clock()
    seen = SeenIds(ttl=60, clock=clock)
    seen.add("m_1")
    clock.now += 30
    seen.add("m_2")
    clock.now += 30  # m_1 is 60 s old
    assert "m_1" not in seen and "m_2" in seen
    assert len(seen) == 1
    assert seen.add("m_1") is True


def test_a_redelivery_keeps_the_id_alive():
    clock = Clock()
    seen = SeenIds(ttl=60, clock=clock)
    seen.add("m_1")
    clock.now += 50
    assert seen.add("m_1") is False
    clock.now += 50  # 100 s after the first delivery, 50 s after the retry
    assert seen.add("m_1") is False


def test_the_oldest_ids_go_when_full():
    seen = SeenIds(max_size=3)
    for mid in ("a", "b", "c"):
        seen.add(mid)
    seen.add("a")  # seen again: now the newest
    seen.add("d")
    assert len(seen) == 3
    assert "b" not in seen and all(mid in seen for mid in ("a", "c", "d"))


@pytest.mark.parametrize("args", [{"max_size": 0}, {"ttl": 0}])
def test_limits_must_make_sense(args):
    with pytest.raises(ValueError):
        SeenIds(**args)
