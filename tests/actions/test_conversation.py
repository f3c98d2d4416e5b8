"""Messages the bot did not understand: counting them in a row, asking which of the likely
intents was meant, saying what it can do, and offering a person after two."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.clarifying import clarifying_candidates
from actions.conversation import (
    MISUNDERSTANDING_ACTION,
    ActionAnswerFaqTopic,
    ActionHandleMisunderstanding,
    misunderstandings_in_a_row,
)
from tests.support.trackers import action_event, buttons_of, make_tracker, responses, slot_events, user_event

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
        [
            *SESSION_START,
            LISTEN,
            user("nlu_fallback", "asdf"),
            FALLBACK,
            bot("Sorry..."),
            LISTEN,
            user("nlu_fallback", "qwerty"),
        ],
        2,
    ),
    "third miss in a row": (
        [LISTEN, user("nlu_fallback"), FALLBACK, LISTEN, user("nlu_fallback"), FALLBACK, LISTEN, user("nlu_fallback")],
        3,
    ),
    "a miss after an understood message": (
        [
            *SESSION_START,
            LISTEN,
            user("greet", "hi"),
            action_event("utter_greet"),
            bot("Hi!"),
            LISTEN,
            user("nlu_fallback", "asdf"),
        ],
        1,
    ),
    "a miss after a miss that was then understood": (
        [
            LISTEN,
            user("nlu_fallback"),
            FALLBACK,
            LISTEN,
            user("product_info"),
            action_event("action_product_info"),
            LISTEN,
            user("nlu_fallback"),
        ],
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
    # Off-topic counts as not understood, whether answered by the old response or the action.
    "off-topic, then not understood": (
        [
            *SESSION_START,
            LISTEN,
            user("out_of_scope", "what's the weather"),
            FALLBACK,
            LISTEN,
            user("nlu_fallback", "asdf"),
        ],
        2,
    ),
    "off-topic answered by the off-topic response, then not understood": (
        [LISTEN, user("out_of_scope"), action_event("utter_out_of_scope"), LISTEN, user("nlu_fallback")],
        2,
    ),
    "off-topic after an understood message": (
        [LISTEN, user("greet"), action_event("action_greet"), LISTEN, user("out_of_scope")],
        1,
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
        (CASES["off-topic, then not understood"][0], True),
    ],
)
async def test_handle_misunderstanding_offers_a_person_after_two_misses(events, offers_person, domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="nlu_fallback", text="asdf", events=events)
    events = await ActionHandleMisunderstanding().run(dispatcher, tracker, domain)
    assert slot_events(events) == {"person_offered": offers_person}
    if offers_person:
        assert responses(dispatcher) == ["utter_offer_person"]
    else:
        assert responses(dispatcher) == ["utter_not_understood"]
    # The buttons of both answers are the domain's, sent with the response.
    assert buttons_of(dispatcher) == []


def test_offer_of_a_person_and_not_understood_have_buttons(domain):
    offer = domain["responses"]["utter_offer_person"][0]
    assert [b["payload"] for b in offer["buttons"]] == ["/human_handoff", "/deny"]
    generic = domain["responses"]["utter_not_understood"][0]
    assert "/human_handoff" in [b["payload"] for b in generic["buttons"]]


def ranking(*pairs):
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


OFFERED = ["purchase", "order_status", "refund", "product_info", "human_handoff"]


@pytest.mark.parametrize(
    "candidates, expected",
    [
        # The two best actionable intents above the floor, best first.
        (ranking(("purchase", 0.4), ("order_status", 0.3), ("refund", 0.2)), ["purchase", "order_status"]),
        # nlu_fallback itself and intents the bot cannot offer are skipped.
        (ranking(("nlu_fallback", 0.45), ("greet", 0.3), ("refund", 0.25), ("purchase", 0.2)), ["refund", "purchase"]),
        # Below the floor is a guess.
        (ranking(("purchase", 0.3), ("order_status", 0.149)), ["purchase"]),
        (ranking(("purchase", 0.1), ("order_status", 0.05)), []),
        (ranking(("out_of_scope", 0.4), ("faq", 0.3)), []),
        ([], []),
        (None, []),
        # A name twice or without a confidence does not break it.
        (ranking(("purchase", 0.4), ("purchase", 0.3)) + [{"name": "refund"}], ["purchase"]),
    ],
)
def test_clarifying_candidates(candidates, expected):
    assert clarifying_candidates(candidates, OFFERED) == expected


def intent_names(domain) -> set:
    """The domain's intents, those with settings ({"EXTERNAL_outbound": {...}}) by their name."""
    return {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}


def test_every_clarified_intent_is_an_intent_of_the_domain_and_every_faq_topic_an_answer(domain):
    offered = [
        name[len("utter_clarify_option_") :] for name in domain["responses"] if name.startswith("utter_clarify_option_")
    ]
    topics = {o[len("faq_") :] for o in offered if o.startswith("faq_")}
    intents = [o for o in offered if not o.startswith("faq_")]
    assert intents and set(intents) <= intent_names(domain)
    assert "faq" not in intents and "nlu_fallback" not in intents
    answers = {name[len("utter_faq/") :] for name in domain["responses"] if name.startswith("utter_faq/")}
    assert topics == answers  # each FAQ answer can be offered, and only those


def fallback_tracker(candidates, events=None):
    tracker = make_tracker(
        intent="nlu_fallback",
        text="i want to know about my shoes",
        events=events or [*SESSION_START, LISTEN, user("nlu_fallback")],
    )
    tracker.latest_message["intent_ranking"] = candidates
    return tracker


async def test_two_candidates_get_a_clarifying_question(domain):
    dispatcher = CollectingDispatcher()
    tracker = fallback_tracker(ranking(("nlu_fallback", 0.45), ("purchase", 0.4), ("order_status", 0.35)))
    events = await ActionHandleMisunderstanding().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_clarify_two"
    assert (message["first"], message["second"]) == ("buy something", "ask about an order")
    assert message["buttons"] == [
        {"title": "Buy something", "payload": "/purchase"},
        {"title": "Ask about an order", "payload": "/order_status"},
    ]
    assert slot_events(events) == {"person_offered": False}


async def test_one_candidate_gets_a_yes_no_question(domain):
    dispatcher = CollectingDispatcher()
    tracker = fallback_tracker(ranking(("refund", 0.4), ("greet", 0.3), ("purchase", 0.05)))
    await ActionHandleMisunderstanding().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_clarify_one"
    assert message["first"] == "return an item"
    assert message["buttons"] == [
        {"title": "Yes", "payload": "/refund"},
        {"title": "No, something else", "payload": "/deny"},
    ]


def with_faq_choice(tracker, key="faq/shipping"):
    tracker.latest_message["response_selector"] = {
        "all_retrieval_intents": ["faq"],
        "default": {"response": {"intent_response_key": key, "confidence": 0.55}, "ranking": []},
    }
    return tracker


async def test_an_faq_not_sure_enough_is_offered_by_its_topic(domain):
    dispatcher = CollectingDispatcher()
    tracker = with_faq_choice(fallback_tracker(ranking(("nlu_fallback", 0.62), ("faq", 0.52), ("check_stock", 0.09))))
    await ActionHandleMisunderstanding().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_clarify_one"
    assert message["first"] == "know about shipping (delivery times, costs and where we ship)"
    assert message["buttons"][0] == {"title": "Yes", "payload": '/faq_topic_chosen{"faq_topic": "shipping"}'}


async def test_an_faq_beside_another_intent_gets_both_buttons(domain):
    dispatcher = CollectingDispatcher()
    tracker = with_faq_choice(fallback_tracker(ranking(("faq", 0.4), ("refund", 0.35))), "faq/returns")
    await ActionHandleMisunderstanding().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_clarify_two"
    assert [b["payload"] for b in message["buttons"]] == ['/faq_topic_chosen{"faq_topic": "returns"}', "/refund"]


async def test_an_faq_without_a_topic_chosen_is_not_offered(domain):
    dispatcher = CollectingDispatcher()
    await ActionHandleMisunderstanding().run(dispatcher, fallback_tracker(ranking(("faq", 0.5))), domain)
    assert responses(dispatcher) == ["utter_not_understood"]


@pytest.mark.parametrize("topic, answer", [("payment", "utter_faq/payment"), ("bitcoin", "utter_not_understood")])
async def test_the_chosen_topic_is_answered_and_an_unknown_one_is_not(domain, topic, answer):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        intent="faq_topic_chosen", text="/faq_topic_chosen", entities=[{"entity": "faq_topic", "value": topic}]
    )
    assert await ActionAnswerFaqTopic().run(dispatcher, tracker, domain) == []
    assert responses(dispatcher) == [answer]


async def test_no_candidate_gets_the_generic_answer(domain):
    dispatcher = CollectingDispatcher()
    await ActionHandleMisunderstanding().run(dispatcher, fallback_tracker(ranking(("greet", 0.4))), domain)
    assert responses(dispatcher) == ["utter_not_understood"]


async def test_the_second_miss_offers_a_person_even_with_candidates(domain):
    dispatcher = CollectingDispatcher()
    tracker = fallback_tracker(
        ranking(("purchase", 0.4), ("order_status", 0.35)), events=CASES["second miss in a row"][0]
    )
    events = await ActionHandleMisunderstanding().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_offer_person"]
    assert slot_events(events) == {"person_offered": True}


async def test_off_topic_says_what_the_shop_assistant_does(domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        intent="out_of_scope",
        text="what's the weather like",
        events=[*SESSION_START, LISTEN, user("out_of_scope", "what's the weather like")],
    )
    events = await ActionHandleMisunderstanding().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_out_of_scope"]
    assert slot_events(events) == {"person_offered": False}
    payloads = [b["payload"] for b in domain["responses"]["utter_out_of_scope"][0]["buttons"]]
    # Each button is an intent the bot handles, and none starts a form by itself but the task asked.
    assert payloads == ["/product_info", "/order_status", "/refund", "/human_handoff"]
    assert {p[1:] for p in payloads} <= intent_names(domain)


async def test_two_off_topic_messages_offer_a_person(domain):
    dispatcher = CollectingDispatcher()
    events = [
        *SESSION_START,
        LISTEN,
        user("out_of_scope", "weather?"),
        FALLBACK,
        LISTEN,
        user("out_of_scope", "and football?"),
    ]
    tracker = make_tracker(intent="out_of_scope", text="and football?", events=events)
    await ActionHandleMisunderstanding().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_offer_person"]


def test_english_only_says_what_it_can_do(domain):
    [variation] = domain["responses"]["utter_english_only"]
    assert variation["text"].startswith("Sorry, I can only chat in English for now")
    assert "/human_handoff" in [b["payload"] for b in variation["buttons"]]
