"""Values remembered for one action run only (actions/per_run.py)."""

import asyncio

from actions.per_run import once, one_run


def test_inside_a_run_a_value_is_computed_once_per_key():
    calls = []
    with one_run():
        assert once("a", lambda: calls.append("a") or 1) == 1
        assert once("a", lambda: calls.append("a") or 2) == 1
        assert once("b", lambda: calls.append("b") or 3) == 3
    assert calls == ["a", "b"]


def test_outside_a_run_and_in_the_next_run_it_is_computed_again():
    calls = []
    once("a", lambda: calls.append(1))
    with one_run():
        once("a", lambda: calls.append(2))
    with one_run():
        once("a", lambda: calls.append(3))
    assert calls == [1, 2, 3]


def test_concurrent_runs_do_not_share_their_values():
    async def run(value):
        with one_run():
            first = once("k", lambda: value)
            await asyncio.sleep(0.01)  # the other run sets its own meanwhile
            return first, once("k", lambda: "again")

    async def both():
        return await asyncio.gather(run("x"), run("y"))

    assert asyncio.run(both()) == [("x", "x"), ("y", "y")]
