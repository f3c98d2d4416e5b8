"""A tracker store whose database is gone fails the turn (addons/tracker_store_failures.py)
instead of Rasa's FailSafeTrackerStore answering from an empty conversation in memory, and the
Rasa server's health names it. The database here is a real SQLite file whose folder goes away."""

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import addons  # noqa: F401  (installs it, as Rasa's import of any addon does)
from addons.tracker_store_failures import health

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]\nslots:\n  size:\n    type: text\n    mappings: []\n')


def tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("customer", list(events), slots=DOMAIN.slots)


@pytest.fixture
def store(tmp_path):
    """(Rasa's agent's store around a SQLite tracker store, its database folder)."""
    folder = tmp_path / "conversations"
    folder.mkdir()
    sql = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(folder / "tracker.db"))
    return FailSafeTrackerStore(sql), folder


async def test_a_conversation_whose_database_is_gone_is_not_answered_from_memory(store):
    failsafe, folder = store
    await failsafe.save(
        tracker(ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}), SlotSet("size", "M"))
    )
    assert health(failsafe) == "ok"
    folder.rename(folder.with_name("gone"))

    assert health(failsafe).startswith("down: ")
    with pytest.raises(Exception, match="unable to open database file"):
        await failsafe.retrieve("customer")  # Rasa's answer: None, a new conversation
    with pytest.raises(Exception, match="unable to open database file"):
        await failsafe.retrieve_full_tracker("customer")
    with pytest.raises(Exception, match="unable to open database file"):
        await failsafe.save(tracker(UserUttered("L", {"name": "greet"})))
    assert failsafe._fallback_tracker_store is None  # nothing was kept in memory instead

    folder.with_name("gone").rename(folder)  # back: the conversation as it was, nothing added
    again = await failsafe.retrieve("customer")
    assert again.get_slot("size") == "M" and [e.text for e in again.events if isinstance(e, UserUttered)] == ["hi"]
    assert health(failsafe) == "ok"


def test_a_store_without_a_database_is_healthy():
    assert health(FailSafeTrackerStore(InMemoryTrackerStore(DOMAIN))) == "ok"
