"""The linear response selector: picks the FAQ answer in the output format of Rasa's
ResponseSelector (what utter_faq and the NLU scorer read), persists and loads."""

from rasa.engine.storage.resource import Resource

from addons.linear_response_selector import LinearResponseSelector
from scripts.nlu_metrics import predicted_label
from tests.support.nlu_pipeline import config_of, context, featurized, storage

EXAMPLES = [
    *[
        (t, "faq/shipping")
        for t in (
            "how much is shipping",
            "do you ship abroad",
            "shipping costs",
            "is delivery free",
            "what does delivery cost",
        )
    ],
    *[
        (t, "faq/returns")
        for t in (
            "what is your return policy",
            "can i return an item",
            "how long do i have to return",
            "returns policy",
            "do you take returns",
        )
    ],
    *[(t, "order_status") for t in ("where is my order", "track my package", "has my order shipped")],
]
RESPONSES = {
    "utter_faq/shipping": [{"text": "Shipping is free over $50."}],
    "utter_faq/returns": [{"text": "You can return anything within 30 days."}],
}


def trained(tmp_path):
    data, prepare = featurized(tmp_path, EXAMPLES)
    data.responses = RESPONSES
    selector = LinearResponseSelector.create(
        config_of(LinearResponseSelector), storage(tmp_path), Resource("faq"), context()
    )
    selector.train(data)
    return selector, prepare


def test_selects_the_answer_in_rasas_format(tmp_path):
    selector, prepare = trained(tmp_path)
    [message] = selector.process(prepare(["can i return it"]))
    properties = message.get("response_selector")
    assert properties["all_retrieval_intents"] == ["faq"]
    response = properties["default"]["response"]
    assert response["intent_response_key"] == "faq/returns"
    assert response["utter_action"] == "utter_faq/returns"
    assert response["responses"] == RESPONSES["utter_faq/returns"]
    assert 0.5 < response["confidence"] <= 1.0
    ranking = properties["default"]["ranking"]
    assert [r["intent_response_key"] for r in ranking] == ["faq/returns", "faq/shipping"]
    assert predicted_label({"intent": {"name": "faq"}, "response_selector": properties}) == "faq/returns"


def test_learns_only_the_retrieval_intents_answers(tmp_path):
    selector, prepare = trained(tmp_path)
    [message] = selector.process(prepare(["where is my order"]))
    keys = {r["intent_response_key"] for r in message.get("response_selector")["default"]["ranking"]}
    assert keys == {"faq/shipping", "faq/returns"}


def test_persists_and_loads_the_same_answers(tmp_path):
    selector, prepare = trained(tmp_path)
    loaded = LinearResponseSelector.load(
        config_of(LinearResponseSelector), storage(tmp_path), Resource("faq"), context()
    )
    [a] = selector.process(prepare(["shipping price"]))
    [b] = loaded.process(prepare(["shipping price"]))
    assert a.get("response_selector") == b.get("response_selector")
    assert b.get("response_selector")["default"]["response"]["intent_response_key"] == "faq/shipping"


def test_untrained_it_adds_nothing_rather_than_crashing(tmp_path):
    _, prepare = featurized(tmp_path, EXAMPLES)
    loaded = LinearResponseSelector.load(
        config_of(LinearResponseSelector), storage(tmp_path), Resource("never-trained"), context()
    )
    [message] = loaded.process(prepare(["how much is shipping"]))
    assert message.get("response_selector") is None


def test_a_named_retrieval_intent_answers_under_its_name(tmp_path):
    data, prepare = featurized(tmp_path, EXAMPLES)
    data.responses = RESPONSES
    selector = LinearResponseSelector.create(
        config_of(LinearResponseSelector, retrieval_intent="faq"), storage(tmp_path), Resource("faq-named"), context()
    )
    selector.train(data)
    [message] = selector.process(prepare(["do you ship abroad"]))
    assert message.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/shipping"


def test_only_a_message_classified_as_a_retrieval_intent_gets_an_answer(tmp_path):
    selector, prepare = trained(tmp_path)
    faq, purchase, unclassified = prepare(["can i return it", "can i return it", "can i return it"])
    faq.set("intent", {"name": "faq", "confidence": 0.9})
    purchase.set("intent", {"name": "purchase", "confidence": 0.9})
    selector.process([faq, purchase, unclassified])
    assert faq.get("response_selector")["default"]["response"]["intent_response_key"] == "faq/returns"
    assert purchase.get("response_selector") is None  # nobody reads it: not chosen
    assert unclassified.get("response_selector")["default"]["response"]["intent_response_key"] == "faq/returns"
