"""scripts/review.py on a real SQLite tracker store written by Rasa's own SQLTrackerStore."""

import asyncio
import time

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.loading import load_data

from scripts.review import is_correction, is_rephrase, main, review

NOW = time.time()


def user(text, intent, confidence=0.9, ranking=None, at=None, selector=None):
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
    }
    if selector:
        parse["response_selector"] = selector
    return UserUttered(text, intent=parse["intent"], parse_data=parse, timestamp=at)


def turn(at, text, intent, answer="ok.", action=None, **kwargs):
    events = [user(text, intent, at=at, **kwargs)]
    if action:
        events.append(ActionExecuted(action, timestamp=at + 1))
    events += [BotUttered(answer, timestamp=at + 2), ActionExecuted("action_listen", timestamp=at + 3)]
    return events


@pytest.fixture()
def store_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = SQLTrackerStore(Domain.empty(), host=url)
    start = NOW - 3600
    conversations = {
        "fell-back": [SessionStarted(timestamp=start), ActionExecuted("action_listen", timestamp=start)]
        + turn(
            start + 10,
            "i wnat the hodie",
            "nlu_fallback",
            confidence=0.45,
            action="action_handle_misunderstanding",
            ranking=[{"name": "nlu_fallback", "confidence": 0.45}, {"name": "purchase", "confidence": 0.41}],
        )
        + turn(
            start + 20,
            "do you ship to canada",
            "faq",
            confidence=0.8,
            selector={"default": {"response": {"intent_response_key": "faq/shipping"}}},
        ),
        "off-topic": turn(start + 30, "what's the weather like", "out_of_scope", confidence=0.7)
        + turn(start + 40, "What's the weather like?", "out_of_scope", confidence=0.72),  # the same, de-duplicated
        "corrected": turn(
            start + 50, "where is my refund", "order_status", confidence=0.6, answer="Your order A1002 has shipped."
        )
        + turn(start + 60, "that's not what I meant", "deny", answer="Sorry! What did you mean?"),
        "said-no-to-a-question": turn(start + 70, "buy the hoodie", "purchase", answer="Shall I place the order?")
        + turn(start + 80, "no", "deny"),
        "rephrased": turn(start + 90, "can i change the delivery address", "order_status", confidence=0.5)
        + turn(start + 100, "how can i change my delivery address", "order_status"),
        "payload": turn(start + 110, "/human_handoff", "nlu_fallback"),
        "old": turn(NOW - 10 * 86400, "some old fallback", "nlu_fallback"),
    }
    for sender, events in conversations.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()
    return url


def test_review_picks_fallbacks_off_topic_corrections_and_rephrasings(store_url, tmp_path):
    out = tmp_path / "review.yml"
    picks, stats = review(store_url, 7, out, now=NOW)
    by_text = {p.text: p for p in picks}
    assert set(by_text) == {
        "i wnat the hodie",
        "what's the weather like",
        "where is my refund",
        "can i change the delivery address",
    }
    assert stats == {"conversations": 6, "messages": 11, "picked": 5, "unique": 4}

    fallback = by_text["i wnat the hodie"]
    assert (fallback.intent, round(fallback.confidence, 2), fallback.conversation) == ("purchase", 0.41, "fell-back")
    assert by_text["what's the weather like"].count == 2
    assert by_text["where is my refund"].reasons == ['corrected ("that\'s not what I meant")']
    assert by_text["can i change the delivery address"].reasons[0].startswith("rephrased")

    # The file is Rasa NLU data, grouped by intent, with the comment above each example.
    text = out.read_text()
    assert "# fell back; confidence 0.41; conversation fell-back" in text
    assert "conversation off-topic, 2 times" in text
    examples = load_data(str(out)).intent_examples
    assert sorted((e.get("intent"), e.get("text")) for e in examples) == [
        ("order_status", "can i change the delivery address"),
        ("order_status", "where is my refund"),
        ("out_of_scope", "what's the weather like"),
        ("purchase", "i wnat the hodie"),
    ]


def test_days_reaches_older_conversations(store_url, tmp_path):
    picks, _ = review(store_url, 30, tmp_path / "review.yml", now=NOW)
    old = {p.text: p for p in picks}["some old fallback"]
    assert old.intent == "nlu_fallback"  # no classifier guess in its ranking


def test_an_empty_store_writes_an_empty_file(tmp_path, capsys):
    out = tmp_path / "review.yml"
    assert main(["--url", f"sqlite:///{tmp_path / 'none.db'}", "--out", str(out)]) == 0
    assert "0 conversations" in capsys.readouterr().out
    assert load_data(str(out)).intent_examples == []
    assert not (tmp_path / "none.db").exists()


def test_correction_and_rephrase_rules():
    assert is_correction({"text": "no that's not it"}, ["Your order shipped."])
    assert is_correction({"text": "nope", "parse_data": {"intent": {"name": "deny"}}}, ["Your order shipped."])
    assert not is_correction({"text": "no", "parse_data": {"intent": {"name": "deny"}}}, ["Anything else?"])
    assert is_correction({"text": "you misunderstood me"}, ["Anything else?"])
    assert is_rephrase("how long does delivery take", "how long does the delivery take?")
    assert not is_rephrase("yes", "yes")
    assert not is_rephrase("size 10", "size 11")
