"""Rasa's SQL tracker store with less work per turn: a conversation read back from its events'
JSON alone, and the embedded SQLite database in write-ahead-log mode.

Reading: Rasa's SQLTrackerStore._retrieve loads every event of the conversation as an ORM object
(all its columns, each object tracked by the session) only to read its `data`; that hydration was
two thirds of the load under load (issue 12's profile). install() runs the same query (same
filter, same order) for the `data` column only, and builds the tracker as Rasa does.

Writing: Rasa leaves SQLite in its rollback-journal mode, where every turn's commit writes a
journal, the database and deletes the journal, syncing each while the event loop waits. In WAL
mode a commit appends to one log and syncs it once, as durably (synchronous stays FULL), and
readers (make review, erasure) no longer wait for writers. The mode is kept in the database file,
so it is set once, when the store opens its database."""

import json
from typing import Any, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

_init = SQLTrackerStore.__init__


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
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None


def install() -> None:
    """Idempotent: every addon imports this package."""
    SQLTrackerStore.__init__ = _init_in_wal_mode  # type: ignore[method-assign]
    SQLTrackerStore._retrieve = _retrieve  # type: ignore[method-assign]
