"""Counting how many messages in a row the bot did not understand, and offering a person."""
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import (
    ActionHandleMisunderstanding,
    MISUNDERSTANDING_ACTION,
    misunderstandings_in_a_row,
)
from shop_helpers import action_event, buttons_of, make_tracker, said, user_event

LISTEN = action_event("action_listen")
FALLBACK = action_event(MISUNDERSTANDING_ACTION)
SESSION_START = [action_event("action_session_start"), {"event": "session_started", "timestamp": None}]


def user(intent: str, text: str = "...") -> dict:
    return user_event(text, intent)


def bot(text: str) -> dict:
    return {"event": "bot", "timestamp": None, "text": text}


# The current message is the last user event: the misunderstanding action is answering it now,
# so its own ActionExecuted is not in the history yet.
CASES = {
    "first miss": (
        [*SESSION_START, LISTEN, user("nlu_fallback", "asdf")],
        1,
    ),
    "second miss in a row": (
        [*SESSION_START, LISTEN, user("nlu_fallback", "asdf"), FALLBACK, bot("Sorry..."), LISTEN,
         user("nlu_fallback", "qwerty")],
        2,
    ),
    "third miss in a row": (
        [LISTEN, user("nlu_fallback"), FALLBACK, LISTEN, user("nlu_fallback"), FALLBACK, LISTEN,
         user("nlu_fallback")],
        3,
    ),
    "a miss after an understood message": (
        [*SESSION_START, LISTEN, user("greet", "hi"), action_event("utter_greet"), bot("Hi!"), LISTEN,
         user("nlu_fallback", "asdf")],
        1,
    ),
    "a miss after a miss that was then understood": (
        [LISTEN, user("nlu_fallback"), FALLBACK, LISTEN, user("product_info"),
         action_event("action_product_info"), LISTEN, user("nlu_fallback")],
        1,
    ),
    # Core fallback: the intent was confident but no action was; the answer tells.
    "earlier message answered by the misunderstanding action despite its intent": (
        [LISTEN, user("inform", "blue"), FALLBACK, LISTEN, user("nlu_fallback")],
        2,
    ),
    # An nlu_fallback message answered by some other action still was not understood.
    "earlier nlu_fallback answered by another action": (
        [LISTEN, user("nlu_fallback"), action_event("utter_out_of_scope"), LISTEN, user("inform")],
        2,
    ),
    "no history but the current message": ([user("nlu_fallback")], 1),
    "empty history": ([], 0),
}


@pytest.mark.parametrize("events, expected", list(CASES.values()), ids=list(CASES))
def test_misunderstandings_in_a_row(events, expected):
    assert misunderstandings_in_a_row(events) == expected


@pytest.mark.parametrize(
    "events, offers_person",
    [
        (CASES["first miss"][0], False),
        (CASES["second miss in a row"][0], True),
        (CASES["a miss after an understood message"][0], False),
    ],
)
async def test_handle_misunderstanding_offers_a_person_after_two_misses(events, offers_person, domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="nlu_fallback", text="asdf", events=events)
    assert await ActionHandleMisunderstanding().run(dispatcher, tracker, domain) == []
    payloads = [b["payload"] for b in buttons_of(dispatcher)]
    if offers_person:
        assert "talk to a person" in said(dispatcher)
        assert "/human_handoff" in payloads
    else:
        assert "say it another way" in said(dispatcher)
        assert payloads == []
