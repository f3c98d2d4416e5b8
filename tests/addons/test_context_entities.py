"""Sizes and quantities are learned only from the examples that can teach them."""

from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.context_entities import NEGATIVE_INTENTS, EntityCRF, EntityDIET, entity_training_data


def example(text, intent, entities=()):
    return Message(data={"text": text, "intent": intent, "entities": list(entities)})


DATA = TrainingData(
    [
        example("size 9 please", "inform", [{"start": 5, "end": 6, "value": "9", "entity": "size"}]),
        example("2 of them", "purchase", [{"start": 0, "end": 1, "value": "2", "entity": "quantity"}]),
        example("is the hoodie in stock", "check_stock"),
        example("what's the weather", "out_of_scope"),
        example("set an alarm for 6", "out_of_scope"),
        example("hello", "greet"),
    ]
)


def test_keeps_annotated_examples_and_the_negatives_of_the_listed_intents():
    kept = entity_training_data(DATA, NEGATIVE_INTENTS)
    texts = sorted(m.get("text") for m in kept.nlu_examples)
    assert texts == ["2 of them", "is the hoodie in stock", "set an alarm for 6", "size 9 please"]


def test_any_example_holding_a_number_teaches_that_a_number_is_not_always_ours():
    kept = entity_training_data(DATA, [])
    assert "set an alarm for 6" in {m.get("text") for m in kept.nlu_examples}
    assert EntityCRF.get_default_config()["negatives_with_numbers"] is True


def test_without_negatives_only_annotated_examples_remain():
    kept = entity_training_data(DATA, [], with_numbers=False)
    assert {m.get("text") for m in kept.nlu_examples} == {"2 of them", "size 9 please"}
    assert {e["entity"] for m in kept.nlu_examples for e in m.get("entities")} == {"size", "quantity"}


def test_both_extractors_learn_entities_only():
    assert EntityDIET.get_default_config()["intent_classification"] is False
    assert EntityDIET.get_default_config()["entity_recognition"] is True
    assert EntityCRF.get_default_config()["negative_intents"] == NEGATIVE_INTENTS
