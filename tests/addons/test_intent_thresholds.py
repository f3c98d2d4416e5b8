"""Per-intent fallback: an intent below its own threshold becomes nlu_fallback, ranking kept."""

from rasa.shared.nlu.training_data.message import Message

from addons.intent_thresholds import PerIntentFallbackClassifier, threshold_for


def fallback(**thresholds):
    config = {
        **PerIntentFallbackClassifier.get_default_config(),
        "threshold": 0.3,
        "ambiguity_threshold": 0.0,
        "intent_thresholds": thresholds,
    }
    return PerIntentFallbackClassifier(config)


def parsed(intent, confidence, second=("out_of_scope", 0.1)):
    ranking = [{"name": intent, "confidence": confidence}, {"name": second[0], "confidence": second[1]}]
    return Message(data={"text": "x", "intent": dict(ranking[0]), "intent_ranking": ranking})


def test_threshold_for_falls_back_to_the_default():
    assert threshold_for("refund", {"refund": 0.6}, 0.3) == 0.6
    assert threshold_for("greet", {"refund": 0.6}, 0.3) == 0.3


def test_an_action_intent_under_its_own_threshold_falls_back_keeping_the_ranking():
    [message] = fallback(refund=0.6).process([parsed("refund", 0.5)])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 0.6}
    names = [r["name"] for r in message.get("intent_ranking")]
    assert names == ["nlu_fallback", "refund", "out_of_scope"]


def test_the_same_confidence_passes_for_an_intent_with_the_default_threshold():
    [message] = fallback(refund=0.6).process([parsed("greet", 0.5)])
    assert message.get("intent")["name"] == "greet"


def test_at_the_threshold_the_intent_stands():
    [message] = fallback(refund=0.6).process([parsed("refund", 0.6)])
    assert message.get("intent")["name"] == "refund"


def test_under_the_default_threshold_anything_falls_back():
    [message] = fallback().process([parsed("greet", 0.2)])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 0.3}


def test_a_message_without_intent_is_left_alone():
    message = Message(data={"text": "", "intent": {"name": None, "confidence": 0.0}})
    [result] = fallback().process([message])
    assert result.get("intent")["name"] is None
