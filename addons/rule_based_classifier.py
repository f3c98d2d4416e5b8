"""Shared plumbing of the intent classifiers that need no training: a rule decides, the rule wins."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


def set_sure_intent(message: Message, intent: str) -> None:
    """The rule's intent, with confidence 1.0, heads the ranking alone."""
    ranked: Dict[str, Any] = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, dict(ranked), add_to_output=True)
    message.set(INTENT_RANKING_KEY, [ranked], add_to_output=True)


class RuleBasedIntentClassifier(GraphComponent, IntentClassifier):
    """`intent_for(text)` names the intent when the rule is sure, else None (the trained
    classifier's answer stands). The rule's intent gets confidence 1.0 and heads the ranking
    alone, so the FallbackClassifier after it sees neither low confidence nor ambiguity."""

    clears_entities = False

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RuleBasedIntentClassifier":
        return cls(config)

    def __init__(self, config: Dict[Text, Any]) -> None:
        # Each subclass names its intent in get_default_config(); a config may rename it.
        self._intent = config.get("intent") or self.get_default_config()["intent"]

    def intent_for(self, text: str) -> Optional[str]:
        raise NotImplementedError

    def train(self, training_data: TrainingData) -> Resource:  # pragma: no cover - not trainable
        raise NotImplementedError

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            intent = self.intent_for(text)
            if intent is None:
                continue
            set_sure_intent(message, intent)
            if self.clears_entities:
                message.set(ENTITIES, [], add_to_output=True)
        return messages
