"""Extractors for the entities that depend on context (a size "10" vs a quantity "10"), trained
only on the examples that can teach them.

Intents come from the linear classifier; thousands of off-topic and small-talk examples hold no
size or quantity, and feeding them to DIET or a CRF would multiply training time for nothing.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData


def entity_training_data(training_data: TrainingData, negative_intents, with_numbers: bool = True) -> TrainingData:
    """The examples with entities, those of the intents where a number or size word appears
    without being one of our entities, and any other example holding a number (the negatives
    the extractor learns "no entity" from: "set an alarm for 6" was a quantity)."""
    negatives = set(negative_intents)
    examples = [
        m
        for m in training_data.nlu_examples
        if m.get(ENTITIES) or m.get(INTENT) in negatives or (with_numbers and DIGIT.search(m.get(TEXT) or ""))
    ]
    return TrainingData(
        training_examples=examples,
        entity_synonyms=training_data.entity_synonyms,
        regex_features=training_data.regex_features,
        lookup_tables=training_data.lookup_tables,
    )


DIGIT = re.compile(r"\d")
# Where a number or a size word appears without being a size or a quantity of ours.
NEGATIVE_INTENTS = [
    "inform",
    "purchase",
    "check_stock",
    "product_info",
    "order_status",
    "refund",
    "delivery_estimate",
    "sales_inquiry",
    "book_meeting",
    "reschedule_meeting",
]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class EntityDIET(DIETClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DIETClassifier.get_default_config(),
            "intent_classification": False,
            "entity_recognition": True,
            "negative_intents": NEGATIVE_INTENTS,
            "negatives_with_numbers": True,
        }

    def train(self, training_data: TrainingData) -> Resource:
        config = self.component_config
        return super().train(
            entity_training_data(training_data, config["negative_intents"], config["negatives_with_numbers"])
        )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class EntityCRF(CRFEntityExtractor):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **CRFEntityExtractor.get_default_config(),
            "negative_intents": NEGATIVE_INTENTS,
            "negatives_with_numbers": True,
        }

    def train(self, training_data: TrainingData) -> Resource:
        config = self.component_config
        return super().train(
            entity_training_data(training_data, config["negative_intents"], config["negatives_with_numbers"])
        )
