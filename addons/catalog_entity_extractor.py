"""Recognizes products and colors by the catalog's own words, so a new product needs no NLU examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, List, Text

import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from addons.rule_based_extractor import RuleBasedEntityExtractor
from shop import settings
from shop.parsing.fuzzy import TypoCorrector


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


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CatalogEntityExtractor(RuleBasedEntityExtractor):
    """A spaCy PhraseMatcher over the catalog, read when the model is loaded: restart the
    server after changing seed/catalog.yml, no retraining needed. Typos of catalog words
    match too ("backpak", "runing shoes"; rules in shop.parsing.fuzzy), with confidence 0.9."""

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
        path = Path(settings.catalog_path(config["catalog_path"]))
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
        catalog_words = set()
        for entity, by_phrase in phrases.items():
            self._values[entity] = dict(by_phrase.items())
            docs = list(self._nlp.tokenizer.pipe(by_phrase))
            catalog_words.update(t.lower_ for doc in docs for t in doc)
            self._matcher.add(entity, docs)
        self._typos = TypoCorrector(catalog_words)

    def extract(self, text: str) -> List[Dict[str, Any]]:
        from spacy.tokens import Doc
        from spacy.util import filter_spans

        doc = self._nlp.make_doc(text)
        # The same tokens with typos of catalog words corrected ("backpak" -> "backpack"), so
        # the phrase matcher sees catalog words; spans map back to the original by position.
        words = [self._typos.correct(t.lower_) or t.text for t in doc]
        typo = [w.lower() != t.lower_ for w, t in zip(words, doc, strict=False)]
        corrected = Doc(self._nlp.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])
        spans = []
        for match_id, start, end in self._matcher(corrected):
            if _mostly_exact(typo[start:end]):
                span = corrected[start:end]
                span.label_ = self._nlp.vocab.strings[match_id]
                spans.append(span)
        entities = []
        # Longest match wins: "leather dress shoes" beats "dress shoes".
        for span in _without_short_words_before_products(sorted(filter_spans(spans), key=lambda s: s.start)):
            entity = span.label_
            phrase = span.text.lower()
            value = self._values[entity].get(phrase) or self._values[entity].get(" ".join(phrase.split()))
            if value is None:  # matched tokens spaced unlike the phrase: no guess
                continue
            original = doc[span.start : span.end]
            entities.append(
                {
                    "entity": entity,
                    "value": value,
                    "start": original.start_char,
                    "end": original.end_char,
                    # A typo-corrected match is a little less sure than an exact one.
                    "confidence_entity": 0.9 if any(typo[span.start : span.end]) else 1.0,
                }
            )
        return entities


def _without_short_words_before_products(spans: List[Any]) -> List[Any]:
    """A 3-letter product word right before another product is a typo, not a product:
    "is tee hoodie in stock" means "the hoodie", not a T-shirt and a hoodie."""
    return [
        span
        for i, span in enumerate(spans)
        if not (
            span.label_ == "product"
            and len(span) == 1
            and len(span.text) <= 3
            and i + 1 < len(spans)
            and spans[i + 1].label_ == "product"
            and spans[i + 1].start == span.end
        )
    ]


def _mostly_exact(typos: List[bool]) -> bool:
    """A one-word phrase may be a typo; a longer one needs at least half its words exact
    ("runing shoes" yes, "runing shoos" no)."""
    return len(typos) == 1 or sum(typos) <= len(typos) // 2
