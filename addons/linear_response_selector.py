"""The answer of a retrieval intent (faq/shipping, faq/returns...) by the same linear model as
the intents, in the output format of Rasa's ResponseSelector, so `utter_faq` and the NLU
reports read it unchanged.

Rasa's ResponseSelector (a DIET network) took 95 of our 220 s of NLU training and 484 of the
model's 500 MB on the character n-grams; on our four FAQ answers the linear model is as
accurate (docs/nlu.md).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.nlu.training_data.util import intent_response_key_to_template_key

from addons.linear_intent_classifier import LinearIntentClassifier


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearResponseSelector(LinearIntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **LinearIntentClassifier.get_default_config(),
            # The retrieval intent whose answers it chooses (None: all of them, under "default").
            "retrieval_intent": None,
        }

    def labelled_examples(self, training_data: TrainingData) -> List[Tuple[Message, str]]:
        wanted = self.component_config.get("retrieval_intent")
        return [
            (message, message.get(INTENT_RESPONSE_KEY))
            for message in training_data.intent_examples
            if message.get(INTENT_RESPONSE_KEY) and (wanted is None or message.get(INTENT) == wanted)
        ]

    def model_extras(self, training_data: TrainingData) -> Dict[str, Any]:
        return {
            "responses": dict(training_data.responses),
            "retrieval_intents": sorted(training_data.retrieval_intents),
        }

    def selection(self, message: Message) -> Optional[Dict[str, Any]]:
        ranking = self.ranking(message)
        if not ranking:
            return None
        top = ranking[0]["name"]
        utter_action = intent_response_key_to_template_key(top)
        return {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self._model["responses"].get(utter_action, [{"text": top}]),
                PREDICTED_CONFIDENCE_KEY: ranking[0]["confidence"],
                INTENT_RESPONSE_KEY: top,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {INTENT_RESPONSE_KEY: label["name"], PREDICTED_CONFIDENCE_KEY: label["confidence"]}
                for label in ranking[:LABEL_RANKING_LENGTH]
            ],
        }

    def answers_for(self, message: Message) -> bool:
        """Whether to choose an answer: the message was classified as one of the retrieval intents
        (or not classified yet). Rasa's ResponseSelector chooses for every message, but only a
        retrieval intent's is read (utter_faq, the NLU reports, OtherCompanyGuard), and the
        components after this one never turn a message into a retrieval intent: a fifth of the NLU
        time saved (issue 12's profile)."""
        intent = (message.get(INTENT) or {}).get("name")
        wanted = self.component_config.get("retrieval_intent")
        return intent is None or intent in ({wanted} if wanted else set(self._model.get("retrieval_intents") or []))

    def process(self, messages: List[Message]) -> List[Message]:
        key = self.component_config.get("retrieval_intent") or RESPONSE_SELECTOR_DEFAULT_INTENT
        for message in messages:
            if not self._model or not self.answers_for(message):
                continue
            selection = self.selection(message)
            if selection is None:
                continue
            properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
            properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = self._model["retrieval_intents"]
            properties[key] = selection
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
        return messages
