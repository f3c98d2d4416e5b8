"""Recognizes products and colors by the catalog's own words, so a new product needs no NLU examples."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Text

import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from addons.rule_based_extractor import RuleBasedEntityExtractor

CATALOG_ENV = "CATALOG_PATH"


def catalog_phrases(catalog: Dict[str, Any]) -> Dict[str, Dict[str, str]]:
    """{entity: {phrase: canonical value}} from the catalog: names, synonyms and plurals
    of products, and every color a variant comes in."""
    products: Dict[str, str] = {}
    colors: Dict[str, str] = {}
    for entry in catalog.get("products", []):
        for alias in [entry["name"], *entry.get("synonyms", [])]:
            for form in _forms(alias):
                products.setdefault(form, entry["name"])
        for variant in entry.get("variants", []):
            color = str(variant.get("color") or "").strip().lower()
            if color:
                colors.setdefault(color, color)
    if "grey" in colors:
        colors.setdefault("gray", "grey")
    return {"product": products, "color": colors}


def _forms(alias: str) -> Iterable[str]:
    phrase = " ".join(alias.lower().split())
    yield phrase
    yield phrase[:-1] if phrase.endswith("s") and not phrase.endswith("ss") else phrase + "s"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class CatalogEntityExtractor(RuleBasedEntityExtractor):
    """A spaCy PhraseMatcher over the catalog, read when the model is loaded: restart the
    server after changing seed/catalog.yml, no retraining needed."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"catalog_path": "seed/catalog.yml"}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CatalogEntityExtractor:
        path = Path(os.environ.get(CATALOG_ENV) or config["catalog_path"])
        with open(path, encoding="utf-8") as handle:
            catalog = yaml.safe_load(handle) or {}
        return cls(config, catalog_phrases(catalog))

    def __init__(self, config: Dict[Text, Any], phrases: Dict[str, Dict[str, str]]) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        self._config = config
        # A blank tokenizer made in-process: nothing is downloaded.
        self._nlp = spacy.blank("en")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        self._values: Dict[str, Dict[str, str]] = {}
        for entity, by_phrase in phrases.items():
            self._values[entity] = {p: v for p, v in by_phrase.items()}
            self._matcher.add(entity, list(self._nlp.tokenizer.pipe(by_phrase)))

    def extract(self, text: str) -> List[Dict[str, Any]]:
        from spacy.util import filter_spans

        doc = self._nlp.make_doc(text)
        spans = [doc[start:end] for _, start, end in self._matcher(doc)]
        entities = []
        # Longest match wins: "leather dress shoes" beats "dress shoes".
        for span in sorted(filter_spans(spans), key=lambda s: s.start):
            entity = self._entity_of(span)
            entities.append(
                {
                    "entity": entity,
                    "value": self._values[entity][span.text.lower()],
                    "start": span.start_char,
                    "end": span.end_char,
                    "confidence_entity": 1.0,
                }
            )
        return entities

    def _entity_of(self, span) -> str:
        phrase = span.text.lower()
        return "product" if phrase in self._values["product"] else "color"
