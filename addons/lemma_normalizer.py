"""Reads text speak and typos the way the training data spells them, for the intent classifier.

Runs right after the tokenizer and changes only each token's lemma: CountVectorsFeaturizer
featurizes lemmas (use_lemma, its default, for the word and the char_wb analyzers alike), while
the token text and offsets stay as typed, so entity spans are unaffected.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any, Container, Dict, Iterable, List, Optional, Sequence, Set, Text

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from shop import settings
from shop.parsing.fuzzy import TypoCorrector

logger = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.json"

# Text speak, one typed token to what the training data says instead. A value with a space is
# two words in one lemma: the featurizers split lemmas at spaces, as if both had been typed.
TEXT_SPEAK = {
    "u": "you",
    "yu": "you",
    "r": "are",
    "ur": "your",
    "yr": "your",
    "pls": "please",
    "plz": "please",
    "plzz": "please",
    "pl0x": "please",
    "plez": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "thanx": "thanks",
    "thnks": "thanks",
    "tks": "thanks",
    "ty": "thank you",
    "tysm": "thank you so much",
    "im": "i 'm",
    "ive": "i 've",
    "dont": "do n't",
    "cant": "ca n't",
    "wont": "wo n't",
    "wanna": "want to",
    "gimme": "give me",
    "lemme": "let me",
    "dunno": "do n't know",
    "idk": "i do n't know",
    "2day": "today",
    "2nite": "tonight",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "becuz": "because",
    "abt": "about",
    "wat": "what",
    "wht": "what",
    "whr": "where",
    "hw": "how",
    "k": "ok",
    "kk": "ok",
    "okk": "ok",
    "okey": "okay",
    "ppl": "people",
    "msg": "message",
    "n": "and",
    "sry": "sorry",
    "srry": "sorry",
    "asap": "as soon as possible",
    "hav": "have",
    "wen": "when",
}
# The pieces spaCy's tokenizer cuts off words typed without their apostrophe ("dont" is "do"
# + "nt", "im" is "i" + "m"), read as the apostrophe forms it cuts off "don't" and "i'm".
GLUED_PIECES = {
    "nt": "n't",
    "m": "'m",
    "re": "'re",
    "ve": "'ve",
    "ll": "'ll",
    "s": "'s",
    "d": "'d",
    "na": "to",
    "ta": "to",
}
_HOSTS_OF = {  # the words a piece may be glued to ("nt": any), so "5m" stays "m"
    "m": {"i"},
    "re": {"you", "we", "they", "what", "who", "there"},
    "ve": {"i", "you", "we", "they", "could", "should", "would", "might", "must"},
    "ll": {"i", "you", "he", "she", "it", "we", "they", "that", "there"},
    "s": {"what", "that", "there", "it", "he", "she", "who", "where", "how", "let", "here"},
    "d": {"i", "you", "he", "she", "we", "they"},
    "na": {"gon"},
    "ta": {"got"},
}
_HOST_WORDS = {"gon": "going"}  # "gonna" is "gon" + "na": "going to"
# "4" is "for" before these words ("a gift 4 my mom"), never after a size or a verb of buying.
_FOR_BEFORE = {
    "a",
    "an",
    "me",
    "you",
    "u",
    "my",
    "ur",
    "your",
    "him",
    "her",
    "us",
    "them",
    "the",
    "this",
    "that",
    "sure",
    "real",
    "now",
    "free",
    "today",
    "2day",
    "tomorrow",
    "christmas",
}
_NOT_FOR_AFTER = {
    "size",
    "sz",
    "sizes",
    "in",
    "of",
    "x",
    "get",
    "buy",
    "want",
    "need",
    "order",
    "take",
    "have",
    "only",
    "just",
    "about",
    "around",
    "than",
    "to",
    "from",
}
_REPEATS = re.compile(r"(\w)\1{2,}")


def squeeze_repeats(word: str, known: Container[str] = ()) -> str:
    """Letters typed three or more times in a row: "pleeease" -> "please", "hiiii" -> "hi";
    kept double where that is a known word ("gooood" -> "good")."""
    if not _REPEATS.search(word):
        return word
    double = _REPEATS.sub(r"\1\1", word)
    return double if double in known or double in TEXT_SPEAK else _REPEATS.sub(r"\1", word)


def is_protected(word: str, protected: Set[str]) -> bool:
    """Numbers, ids (A1003), emails, links and catalog words are never changed."""
    return (
        word in protected
        or (any(ch.isdigit() for ch in word) and word not in TEXT_SPEAK)
        or "@" in word
        or "/" in word
        or "." in word.strip(".")
    )


def normalize_tokens(
    texts: Sequence[str],
    glued: Sequence[bool],
    typos: Optional[TypoCorrector] = None,
    protected: Set[str] = frozenset(),
) -> List[str]:
    """The lemma of each token: lower case, text speak spelled out, repeats squeezed, typos
    of known words corrected. `glued[i]` says token i follows token i-1 with no space."""
    lower = [t.lower() for t in texts]
    lemmas: List[str] = []
    for i, word in enumerate(lower):
        before = lower[i - 1] if i else ""
        after = lower[i + 1] if i + 1 < len(lower) else ""
        after_glued = i + 1 < len(lower) and glued[i + 1]
        if is_protected(word, protected):
            lemma = word
            if word == "4" and after in _FOR_BEFORE and before not in _NOT_FOR_AFTER:
                lemma = "for"
        elif i and glued[i] and word in GLUED_PIECES and (word not in _HOSTS_OF or before in _HOSTS_OF[word]):
            lemma = GLUED_PIECES[word]
        elif word in _HOST_WORDS and after_glued and after in GLUED_PIECES:
            lemma = _HOST_WORDS[word]
        else:
            lemma = _spell(word, typos)
        lemmas.append(lemma)
    return lemmas


def _spell(word: str, typos: Optional[TypoCorrector]) -> str:
    if word in TEXT_SPEAK:
        return TEXT_SPEAK[word]
    if typos is None:
        return squeeze_repeats(word)
    if word in typos:
        return word
    word = squeeze_repeats(word, typos)
    if word in TEXT_SPEAK or word in typos:
        return TEXT_SPEAK.get(word, word)
    return typos.correct(word) or word


def vocabulary_of(texts: Iterable[str]) -> List[str]:
    """The words of the training examples (already tokenized and lower-cased)."""
    return sorted({t for t in texts if t and t.isalpha()})


def catalog_words(path: Optional[str]) -> Set[str]:
    """Every word of a product name, synonym or color in the catalog; none if unreadable."""
    if not path:
        return set()
    try:
        catalog = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        logger.warning("Catalog %s unreadable: catalog words are not protected", path)
        return set()
    words: Set[str] = set()
    for entry in catalog.get("products", []) or []:
        for phrase in [entry.get("name", ""), *(entry.get("synonyms") or [])]:
            words.update(re.findall(r"[a-z]+", str(phrase).lower()))
        for variant in entry.get("variants", []) or []:
            words.update(re.findall(r"[a-z]+", str(variant.get("color") or "").lower()))
    return words


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LemmaNormalizer(GraphComponent):
    """Sets each token's lemma to the word the training data would have used; learns the
    training data's vocabulary when trained and keeps it with the model."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"catalog_path": "seed/catalog.yml"}

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, vocabulary: Iterable[str] = ()
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        path = settings.catalog_path(config.get("catalog_path"))
        self._protected = catalog_words(path)
        self._vocabulary = list(vocabulary)
        self._typos = TypoCorrector(self._vocabulary, keyboard=True) if self._vocabulary else None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LemmaNormalizer:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LemmaNormalizer:
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (ValueError, OSError):
            # A model trained without it still works: text speak and repeats, no spelling.
            logger.warning("No vocabulary stored for %s: spelling correction off", resource.name)
            vocabulary = []
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        words = [
            t.text.lower() for message in training_data.training_examples for t in message.get(TOKENS_NAMES[TEXT]) or []
        ]
        self._vocabulary = vocabulary_of(words)
        self._typos = TypoCorrector(self._vocabulary, keyboard=True)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(self._vocabulary), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            tokens = message.get(TOKENS_NAMES[TEXT])
            if not tokens:
                continue
            glued = [i > 0 and tokens[i - 1].end == t.start for i, t in enumerate(tokens)]
            lemmas = normalize_tokens([t.text for t in tokens], glued, self._typos, self._protected)
            for token, lemma in zip(tokens, lemmas, strict=False):
                token.lemma = lemma
        return messages
