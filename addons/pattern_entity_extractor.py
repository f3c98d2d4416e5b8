"""Order ids, booking references and email addresses by pattern: exact formats a statistical
model only blurs. The patterns are the shop's own (shop/parsing/ids.py); a config may add more."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from addons.rule_based_extractor import RuleBasedEntityExtractor
from shop.parsing.ids import ENTITY_PATTERNS, UPPER_CASE_ENTITIES


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PatternEntityExtractor(RuleBasedEntityExtractor):
    """Each entity in `patterns` is found by its regular expression (case-insensitive);
    the value is the matched text, upper-cased where `upper` lists the entity."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"patterns": dict(ENTITY_PATTERNS), "upper": list(UPPER_CASE_ENTITIES)}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PatternEntityExtractor:
        return cls(config)

    def __init__(self, config: Dict[Text, Any]) -> None:
        config = {**self.get_default_config(), **config}
        self._patterns = {entity: re.compile(pattern, re.IGNORECASE) for entity, pattern in config["patterns"].items()}
        self._upper = set(config.get("upper", []))

    def extract(self, text: str) -> List[Dict[str, Any]]:
        entities = []
        for entity, pattern in self._patterns.items():
            for match in pattern.finditer(text):
                value = match.group(0)
                entities.append(
                    {
                        "entity": entity,
                        "value": value.upper() if entity in self._upper else value.lower(),
                        "start": match.start(),
                        "end": match.end(),
                        "confidence_entity": 1.0,
                    }
                )
        # A match inside a longer one is not an entity of its own: "j1990@gmail.com" is an
        # email, not also order J1990 (which would overwrite the order_id slot).
        entities = [
            e
            for e in entities
            if not any(
                o["start"] <= e["start"] and e["end"] <= o["end"] and o["end"] - o["start"] > e["end"] - e["start"]
                for o in entities
            )
        ]
        return sorted(entities, key=lambda e: e["start"])
