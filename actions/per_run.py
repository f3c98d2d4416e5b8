"""Values computed once per action run: rasa_sdk asks a form's required_slots three times in
one validation, and each asked the database the same thing."""

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("per_run_memo", default=None)


@contextmanager
def one_run() -> Iterator[None]:
    """Within it, once() remembers; each asyncio task (each request) has its own memo."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def once(key: Hashable, compute: Callable[[], T]) -> T:
    """compute() the first time `key` is asked in this run, its value after; outside a run, always."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]
