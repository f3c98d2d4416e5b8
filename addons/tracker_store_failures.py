"""A conversation database (the tracker store) that cannot be reached fails the turn, which the
channel says (REST: 503; the web chat: the apology), where Rasa 3.6's FailSafeTrackerStore goes on
with an empty conversation kept in this process's memory: the customer's context gone for that
turn (a form under way forgotten), and the turn itself kept nowhere the other servers, or this one
after a restart, will look. health() is what the Rasa server's health check says of the store."""

from typing import Any, Optional, Text

from rasa.core.tracker_store import FailSafeTrackerStore, TrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from shop.health import OK, down


async def _retrieve(self: FailSafeTrackerStore, sender_id: Text) -> Optional[DialogueStateTracker]:
    return await self._tracker_store.retrieve(sender_id)


async def _retrieve_full_tracker(self: FailSafeTrackerStore, sender_id: Text) -> Optional[DialogueStateTracker]:
    return await self._tracker_store.retrieve_full_tracker(sender_id)


async def _save(self: FailSafeTrackerStore, tracker: DialogueStateTracker) -> None:
    await self._tracker_store.save(tracker)


def health(store: Any) -> str:
    """OK, or "down: <error>" when the store's database does not answer (blocking: run it in a
    thread). A store without a database (in memory) is always ok."""
    primary: TrackerStore = getattr(store, "_tracker_store", store)
    engine = getattr(primary, "engine", None)  # Rasa's SQLTrackerStore
    if engine is None:
        return OK
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as error:  # whatever the driver raises: the store is not usable
        return down(error)
    return OK


def install() -> None:
    """Idempotent: every addon imports this package."""
    FailSafeTrackerStore.retrieve = _retrieve  # type: ignore[method-assign]
    FailSafeTrackerStore.retrieve_full_tracker = _retrieve_full_tracker  # type: ignore[method-assign]
    FailSafeTrackerStore.save = _save  # type: ignore[method-assign]
