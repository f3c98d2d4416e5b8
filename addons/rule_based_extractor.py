"""Shared plumbing of the entity extractors that need no training: run `extract`, tag, append."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class RuleBasedEntityExtractor(GraphComponent, EntityExtractorMixin):
    def extract(self, text: str) -> List[Dict[str, Any]]:
        raise NotImplementedError

    def train(self, training_data: TrainingData) -> Resource:  # pragma: no cover - not trainable
        raise NotImplementedError

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = self.add_extractor_name(self.extract(text))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
