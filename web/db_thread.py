"""The web app's database work, off its event loop: a query never stalls every agent and page.

`in_thread` runs one function in its own transaction on a worker thread. `Transaction` keeps one
transaction open across awaits (an inbox request holds it while Rasa delivers a message, so a
failed delivery rolls it back), on a thread of its own: a SQLite connection may only be used by
the thread that opened it, and a session by one thread at a time.
"""

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from shop.db import session_scope

T = TypeVar("T")


async def in_thread(url: str, work: Callable[..., T], *args: Any) -> T:
    """`work(session, *args)` in a transaction of its own, on a worker thread."""

    def run() -> T:
        with session_scope(url) as session:
            return work(session, *args)

    return await asyncio.to_thread(run)


class Transaction:
    """`async with Transaction(url) as db: await db.run(work, ...)`: committed when the block
    ends, rolled back whole on an error, every statement on the transaction's own thread."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._worker: ThreadPoolExecutor | None = None
        self._scope: Any = None
        self._session: Session | None = None

    async def _on_thread(self, work: Callable[..., T], *args: Any) -> T:
        assert self._worker is not None, "use the transaction inside `async with`"
        return await asyncio.get_running_loop().run_in_executor(self._worker, functools.partial(work, *args))

    async def __aenter__(self) -> "Transaction":
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="web-db")
        self._scope = session_scope(self._url)
        try:
            self._session = await self._on_thread(self._scope.__enter__)
        except BaseException:
            self._worker.shutdown(wait=False)
            raise
        return self

    async def __aexit__(self, kind, value, traceback) -> None:
        worker = self._worker
        try:  # session_scope commits, or rolls back and lets the error go on
            await self._on_thread(self._scope.__exit__, kind, value, traceback)
        finally:
            if worker is not None:
                worker.shutdown(wait=False)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(session, *args)` inside this transaction; ORM objects it returns are read only
        through later `run` calls (a lazy load on the event loop would touch the connection)."""
        return await self._on_thread(work, self._session, *args)

    async def rollback(self) -> None:
        await self.run(Session.rollback)
