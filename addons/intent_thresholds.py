"""Rasa's FallbackClassifier with a confidence threshold per intent.

An intent that starts something (an order, a refund, a handoff) costs more when guessed wrong than
a greeting does, so each has its own bar, tuned on the development data by
scripts/tune_thresholds.py; below it the message becomes nlu_fallback and the bot asks a
clarifying question, with the classifier's ranking kept for the buttons.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message


def threshold_for(intent: str, thresholds: Dict[str, float], default: float) -> float:
    return float(thresholds.get(intent, default))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PerIntentFallbackClassifier(FallbackClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**FallbackClassifier.get_default_config(), "intent_thresholds": {}}

    def _threshold(self, message: Message) -> float:
        intent = (message.data.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""
        return threshold_for(
            intent, self.component_config["intent_thresholds"] or {}, self.component_config["threshold"]
        )

    def _nlu_confidence_below_threshold(self, message: Message) -> Tuple[bool, float]:
        confidence = (message.data.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0
        return confidence < self._threshold(message), confidence

    def process(self, messages: List[Message]) -> List[Message]:
        # The base class reports the global threshold as the fallback's confidence; ours is the
        # intent's own, so that is what the fallback carries.
        for message in messages:
            if (message.data.get(INTENT) or {}).get(INTENT_NAME_KEY) is None:
                continue
            threshold = self._threshold(message)
            if self._should_fallback(message):
                fallback = {INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: threshold}
                message.data[INTENT] = fallback
                message.data.setdefault("intent_ranking", []).insert(0, dict(fallback))
        return messages
