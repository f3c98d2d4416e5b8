"""The linear intent classifier: trains on sparse features, ranks intents, persists and loads."""

from rasa.engine.storage.resource import Resource

from addons.linear_intent_classifier import LinearIntentClassifier, class_weights
from tests.support.nlu_pipeline import config_of, context, featurized, storage

EXAMPLES = [
    *[
        (t, "order_status")
        for t in (
            "where is my order",
            "track my package",
            "has my order shipped",
            "where's my parcel",
            "when will my order arrive",
        )
    ],
    *[
        (t, "refund")
        for t in (
            "i want a refund",
            "give me my money back",
            "refund my order please",
            "can i get a refund",
            "return these for a refund",
        )
    ],
    *[
        (t, "out_of_scope")
        for t in (
            "what's the weather",
            "tell me a joke",
            "play some music",
            "how tall is everest",
            "set an alarm for 7",
        )
    ],
]


def trained(tmp_path):
    data, prepare = featurized(tmp_path, EXAMPLES)
    classifier = LinearIntentClassifier.create(
        config_of(LinearIntentClassifier), storage(tmp_path), Resource("linear"), context()
    )
    classifier.train(data)
    return classifier, prepare


def test_ranks_every_intent_most_likely_first(tmp_path):
    classifier, prepare = trained(tmp_path)
    [message] = classifier.process(prepare(["where is my package"]))
    ranking = message.get("intent_ranking")
    assert message.get("intent")["name"] == "order_status"
    assert next(r["name"] for r in ranking) == "order_status"
    assert {r["name"] for r in ranking} == {"order_status", "refund", "out_of_scope"}
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert abs(sum(confidences) - 1.0) < 1e-6


def test_off_topic_text_is_off_topic(tmp_path):
    classifier, prepare = trained(tmp_path)
    [message] = classifier.process(prepare(["what's the weather tomorrow"]))
    assert message.get("intent")["name"] == "out_of_scope"


def test_persists_and_loads_the_same_model(tmp_path):
    classifier, prepare = trained(tmp_path)
    loaded = LinearIntentClassifier.load(
        config_of(LinearIntentClassifier), storage(tmp_path), Resource("linear"), context()
    )
    [a] = classifier.process(prepare(["refund my order"]))
    [b] = loaded.process(prepare(["refund my order"]))
    assert a.get("intent") == b.get("intent") and a.get("intent")["name"] == "refund"


def test_an_untrained_classifier_predicts_no_intent_rather_than_crashing(tmp_path):
    _, prepare = featurized(tmp_path, EXAMPLES)
    loaded = LinearIntentClassifier.load(
        config_of(LinearIntentClassifier), storage(tmp_path), Resource("never-trained"), context()
    )
    [message] = loaded.process(prepare(["hello"]))
    assert message.get("intent") == {"name": None, "confidence": 0.0}
    assert message.get("intent_ranking") == []


def test_text_without_features_gets_no_intent(tmp_path):
    classifier, _ = trained(tmp_path)
    from rasa.shared.nlu.training_data.message import Message

    [message] = classifier.process([Message(data={"text": ""})])
    assert message.get("intent")["name"] is None


def test_class_weights_scale_the_balanced_weight_of_the_labels_named():
    labels = ["out_of_scope"] * 6 + ["refund"] * 2
    assert class_weights(labels, "balanced", {}) == "balanced"
    balanced = {"out_of_scope": 8 / (2 * 6), "refund": 8 / (2 * 2)}
    scaled = class_weights(labels, "balanced", {"out_of_scope": 2.0})
    assert scaled == {"out_of_scope": 2.0 * balanced["out_of_scope"], "refund": balanced["refund"]}
    assert class_weights(labels, None, {"refund": 3.0}) == {"out_of_scope": 1.0, "refund": 3.0}
