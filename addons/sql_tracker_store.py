"""Rasa's SQL tracker store with less work per turn: a conversation read back from its events'
JSON alone, and the embedded SQLite database in write-ahead-log mode.

Reading: Rasa's SQLTrackerStore._retrieve loads every event of the conversation as an ORM object
(all its columns, each object tracked by the session) only to read its `data`; that hydration was
two thirds of the load under load (issue 12's profile). install() runs the same query (same
filter, same order) for the `data` column only, and builds the tracker as Rasa does.

Saving: Rasa counts the conversation's stored events (a query over the latest session) to know
which events are new. A tracker this store has read back or saved knows that number already: it
is kept on the tracker object (with the object's id, so a copy of it falls back to the count).
The conversation's lock (the lock store) keeps any other writer out between the read and the save.

Writing: Rasa leaves SQLite in its rollback-journal mode, where every turn's commit writes a
journal, the database and deletes the journal, syncing each while the event loop waits. In WAL
mode a commit appends to one log and syncs it once, as durably (synchronous stays FULL), and
readers (make review, erasure) no longer wait for writers. The mode is kept in the database file,
so it is set once, when the store opens its database."""

import itertools
import json
from typing import Any, Iterator, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

_init = SQLTrackerStore.__init__
_count_and_slice = SQLTrackerStore._additional_events
_save_events = SQLTrackerStore.save
# On a tracker: (id of the tracker, how many of its events are in the store).
IN_STORE = "_events_in_store"


def _remember_stored(tracker: DialogueStateTracker, count: int) -> None:
    tracker.__dict__[IN_STORE] = (id(tracker), count)


def _additional_events(self: SQLTrackerStore, session: Any, tracker: DialogueStateTracker) -> Iterator:
    known = tracker.__dict__.get(IN_STORE)
    if known is None or known[0] != id(tracker) or known[1] > len(tracker.events):
        return _count_and_slice(self, session, tracker)
    return itertools.islice(tracker.events, known[1], len(tracker.events))


async def _save(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
    await _save_events(self, tracker)
    _remember_stored(tracker, len(tracker.events))


def _init_in_wal_mode(self: SQLTrackerStore, *args: Any, **kwargs: Any) -> None:
    _init(self, *args, **kwargs)
    if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")


async def _retrieve(
    self: SQLTrackerStore, sender_id: Text, fetch_events_from_all_sessions: bool
) -> Optional[DialogueStateTracker]:
    with self.session_scope() as session:
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions)
        events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:  # the events _additional_events would count
            _remember_stored(tracker, len(events))
        return tracker


def install() -> None:
    """Idempotent: every addon imports this package."""
    SQLTrackerStore.__init__ = _init_in_wal_mode  # type: ignore[method-assign]
    SQLTrackerStore._retrieve = _retrieve  # type: ignore[method-assign]
    SQLTrackerStore._additional_events = _additional_events  # type: ignore[method-assign]
    SQLTrackerStore.save = _save  # type: ignore[method-assign]
