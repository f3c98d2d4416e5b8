"""The SQL tracker store reads conversations back as Rasa does, from SQLite in WAL mode."""

import sqlite3

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import addons  # noqa: F401  (installs the mode, as Rasa's import of any addon does)

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]\nslots:\n  size:\n    type: text\n    mappings: []\n')


async def test_the_tracker_database_is_in_wal_mode_and_saves_and_reads_conversations(tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}), SlotSet("size", "M")]
    await store.save(DialogueStateTracker.from_events("customer", events, slots=DOMAIN.slots))
    again = await SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path)).retrieve("customer")
    assert again.get_slot("size") == "M" and again.latest_message.text == "hi"


def test_an_in_memory_store_is_left_as_it_is():
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=None)
    assert store.engine.url.database in (None, "")


async def test_only_the_latest_session_is_read_back_unless_all_are_asked_for(tmp_path):
    from rasa.shared.core.events import SessionStarted

    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    first = [SessionStarted(timestamp=1), UserUttered("hi", {"name": "greet"}, timestamp=2), SlotSet("size", "M", 3)]
    second = [SessionStarted(timestamp=10), ActionExecuted("action_listen", timestamp=11), SlotSet("size", "L", 12)]
    await store.save(DialogueStateTracker.from_events("c", first + second, slots=DOMAIN.slots))
    latest = await store.retrieve("c")
    assert [e.timestamp for e in latest.events] == [10, 11, 12] and latest.get_slot("size") == "L"
    everything = await store.retrieve_full_tracker("c")
    assert list(everything.events) == first + second
    assert await store.retrieve("nobody") is None


def stored_texts(path) -> list:
    import json

    rows = sqlite3.connect(path).execute("SELECT data FROM events WHERE sender_id = 'c' ORDER BY id").fetchall()
    return [json.loads(data).get("text") or json.loads(data)["event"] for (data,) in rows]


async def test_turn_after_turn_each_event_is_stored_once_and_in_order(tmp_path, monkeypatch):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    counted = []
    original = SQLTrackerStore._event_query

    def counting(self, session, sender_id, fetch_events_from_all_sessions):
        counted.append(fetch_events_from_all_sessions)
        return original(self, session, sender_id, fetch_events_from_all_sessions)

    monkeypatch.setattr(SQLTrackerStore, "_event_query", counting)
    await store.save(DialogueStateTracker.from_events("c", [UserUttered("one", {"name": "greet"})], slots=DOMAIN.slots))
    for text in ("two", "three"):
        tracker = await store.retrieve("c")
        tracker.update(UserUttered(text, {"name": "greet"}))
        await store.save(tracker)
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)  # the same tracker saved again: only the new event is added
    assert stored_texts(path) == ["one", "two", "action", "three", "action"]
    assert counted == [False, False, False]  # the first save and the two reads; no count for a read-back tracker


async def test_a_copy_or_a_full_tracker_is_counted_as_rasa_counts(tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    await store.save(DialogueStateTracker.from_events("c", [UserUttered("one", {"name": "greet"})], slots=DOMAIN.slots))
    copy = (await store.retrieve("c")).copy()
    copy.update(UserUttered("two", {"name": "greet"}))
    await store.save(copy)
    full = await store.retrieve_full_tracker("c")
    full.update(UserUttered("three", {"name": "greet"}))
    await store.save(full)
    assert stored_texts(path) == ["one", "two", "three"]
