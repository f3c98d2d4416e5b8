"""Two requests in one message: clauses, and the later requests recorded for an action."""

import pytest

from addons.further_requests import FURTHER_REQUESTS, FurtherRequestsRecorder, further_requests, split_clauses


@pytest.mark.parametrize(
    "text, clauses",
    [
        (
            "do you have the hoodie in black? also where is my order A1003",
            ["do you have the hoodie in black", "where is my order A1003"],
        ),
        ("hi. btw my email is x@y.com", ["hi", "my email is x@y.com"]),
        ("price is 10.5 dollars. oh and can I get a refund", ["price is 10.5 dollars", "can I get a refund"]),
        ("hoodie, also where's my order", ["hoodie", "where's my order"]),
        ("Is it in stock?!? By the way, I need a refund", ["Is it in stock", "I need a refund"]),
        ("I want the hoodie and also the cap", ["I want the hoodie", "the cap"]),
        ("hello, and where is my order", ["hello", "where is my order"]),
        # one clause: "also" inside a sentence, an email's dots, a decimal
        ("do you also have it in black", ["do you also have it in black"]),
        ("my email is j.doe@example.com", ["my email is j.doe@example.com"]),
        ("is it 10.5 inches", ["is it 10.5 inches"]),
        ("black and white", ["black and white"]),
        # nothing to say
        ("", []),
        ("...", []),
        ("btw", []),
        ("   ", []),
        ("🙂", []),  # no words, no clause
    ],
)
def test_split_clauses(text, clauses):
    found = split_clauses(text)
    assert [c.text for c in found] == clauses
    assert all(text[c.start : c.end] == c.text for c in found)  # offsets cut out the clause


def test_split_clauses_of_huge_text_is_one_clause():
    text = "hello. " * 1000
    assert len(split_clauses(text)) == 1


def _entity(text, value, entity):
    start = text.index(value)
    return {
        "entity": entity,
        "value": value.upper() if entity == "order_id" else value,
        "start": start,
        "end": start + len(value),
        "extractor": "PatternEntityExtractor",
    }


def test_a_later_order_id_is_a_further_request():
    text = "do you have the hoodie in black? also where is my order A1003"
    entities = [_entity(text, "hoodie", "product"), _entity(text, "A1003", "order_id")]
    assert further_requests(text, entities) == [
        {
            "text": "where is my order A1003",
            "start": 38,
            "end": 61,
            "entities": [{"entity": "order_id", "value": "A1003", "start": 56, "end": 61}],
            "reason": ["order_id"],
        }
    ]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("is the cap in stock? btw my email is x@y.com", ["email"]),
        ("is the cap in stock? oh and I want a refund", ["request"]),
        ("the cap please. where is my order", ["request"]),
    ],
)
def test_further_request_reasons(text, reason):
    entities = [_entity(text, "x@y.com", "email")] if "@" in text else []
    assert [r["reason"] for r in further_requests(text, entities)] == [reason]


@pytest.mark.parametrize(
    "text",
    [
        "do you have the hoodie in black?",
        "hi. thanks",
        "I want the hoodie and also the cap",
        "where is my order A1003",
        "great, also black",
        "",
        "🙂",
        "привет. пока",
    ],
)
def test_no_further_request(text):
    assert further_requests(text, []) == []


def test_component_records_further_requests_without_touching_intent_or_entities():
    from rasa.shared.nlu.training_data.message import Message

    text = "do you have the hoodie in black? also where is my order A1003"
    entities = [_entity(text, "A1003", "order_id")]
    message = Message(
        data={"text": text, "intent": {"name": "check_stock", "confidence": 0.8}, "entities": list(entities)}
    )
    plain = Message(data={"text": "do you have the hoodie"})
    payload = Message(data={"text": "/check_stock. also where is my order"})
    FurtherRequestsRecorder.create({}, None, None, None).process([message, plain, payload, Message(data={})])
    assert [r["text"] for r in message.get(FURTHER_REQUESTS)] == ["where is my order A1003"]
    assert message.get("intent")["name"] == "check_stock" and message.get("entities") == entities
    assert FURTHER_REQUESTS in message.as_dict(only_output_properties=True)
    assert plain.get(FURTHER_REQUESTS) is None and payload.get(FURTHER_REQUESTS) is None


# --- the action that acknowledges the later request


def test_the_later_request_is_quoted_back_trimmed_and_cut():
    from shop.further_requests import QUOTE_CHARS, further_request_to_acknowledge

    assert (
        further_request_to_acknowledge({"further_requests": [{"text": ", where is my order A1003 "}]})
        == "where is my order A1003"
    )
    long = further_request_to_acknowledge({"further_requests": [{"text": "can you " + "really " * 30 + "help"}]})
    assert long.endswith("…") and len(long) <= QUOTE_CHARS + 1 and "  " not in long
    assert further_request_to_acknowledge({}) is None
    assert further_request_to_acknowledge({"further_requests": [{"text": "  "}]}) is None
    assert further_request_to_acknowledge({"further_requests": ["garbage"]}) is None
    assert (
        further_request_to_acknowledge({"further_requests": [{"text": "my email is x@y.com", "reason": ["email"]}]})
        is None
    )


def test_action_acknowledges_a_second_request_and_leaves_slots_alone():
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    from actions.conversation import ActionValidateSlotMappings
    from tests.support.trackers import make_tracker

    tracker = make_tracker(intent="check_stock", text="do you have the hoodie in black? also where is my order A1003")
    tracker.latest_message["further_requests"] = [{"text": "where is my order A1003", "reason": ["order_id"]}]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionValidateSlotMappings().run(dispatcher, tracker, {}))
    assert events == []
    assert dispatcher.messages[0]["response"] == "utter_further_request_noted"
    assert dispatcher.messages[0]["request"] == "where is my order A1003"

    quiet = CollectingDispatcher()
    assert asyncio.run(ActionValidateSlotMappings().run(quiet, make_tracker(text="hi"), {})) == []
    assert quiet.messages == []


# --- the leading request, and its features for the intent classifier


@pytest.mark.parametrize(
    "text, leading",
    [
        ("track my order and then tell me your return policy", "track my order"),
        ("hi! check on my delivery please, then I want to book a meeting", "check on my delivery please"),
        ("get me an agent, I also need to check my order status", "get me an agent"),
        ("stop sending texts, and can you check my order A1006", "stop sending texts"),
        ("hello. where is my order", None),  # a greeting and one request
        ("where is my order", None),
        ("I want the hoodie and also the cap", None),  # the cap asks nothing of its own
        ("if it fits then I'll buy it", None),
        ("I'm off hiking. It rains a lot there. My old boots leak. So, where is my order A1003?", None),  # a story
        ("I ordered online a month ago and never got it. I would like a refund.", None),  # tells, then asks
        ("Please help! I need a refund right away!", None),  # a cry for help, then the request
        ("do you accept amex? and I'd like to buy a cashmere scarf", "do you accept amex"),
    ],
)
def test_the_leading_request(text, leading):
    from addons.further_requests import leading_request

    clause = leading_request(text)
    assert (clause.text if clause else None) == leading
    if clause:
        assert text[clause.start : clause.end] == clause.text


def test_the_leading_requests_tokens_are_read_and_all_tokens_come_back():
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from addons.further_requests import AllTokensRestored, LeadingRequestTokens

    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    two = Message(data={"text": "track my order and then tell me your return policy"})
    one = Message(data={"text": "where is my order"})
    tokenizer.process([two, one])
    whole = [t.text for t in two.get("text_tokens")]
    narrow, restore = LeadingRequestTokens(), AllTokensRestored()
    narrow.process([two, one, Message(data={"text": ""})])
    assert [t.text for t in two.get("text_tokens")] == ["track", "my", "order"]
    assert [t.text for t in one.get("text_tokens")] == ["where", "is", "my", "order"]
    narrow.process([two])  # twice is once
    restore.process([two, one])
    assert [t.text for t in two.get("text_tokens")] == whole
    assert "further_requests_all_tokens" not in two.data

    data = TrainingData([Message.build(text="hi! refund my order, then tell me your return policy", intent="refund")])
    tokenizer.process_training_data(data)
    narrow.process_training_data(data)
    assert [t.text for t in data.training_examples[0].get("text_tokens")] == ["refund", "my", "order"]
    restore.process_training_data(data)
    assert len(data.training_examples[0].get("text_tokens")) == 10


def test_a_greeting_before_the_request_is_not_a_first_request():
    assert further_requests("hi! where is my order A1002", [{"entity": "order_id", "start": 15, "end": 20}]) == []
    assert [r["text"] for r in further_requests("hello. track my order, also I need a refund", [])] == [
        "I need a refund"
    ]
