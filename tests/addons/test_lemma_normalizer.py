"""LemmaNormalizer: text speak, repeats and typos read as the training data spells them, on
lemmas only. Built in the test as the trained pipeline builds it: spaCy blank English tokenizer,
the normalizer, then CountVectorsFeaturizers (word and char_wb) trained on a few messages."""

from pathlib import Path

import numpy as np
import pytest

from addons.lemma_normalizer import (
    LemmaNormalizer,
    catalog_words,
    is_protected,
    normalize_tokens,
    squeeze_repeats,
)
from shop.parsing.fuzzy import TypoCorrector

PROJECT_ROOT = Path(__file__).resolve().parents[2]

TRAINING_TEXTS = [
    "please do you have the backpack",
    "do you have the hoodie in black",
    "where is my order",
    "thanks a lot",
    "hi there",
    "I'm looking for a gift for my mom",
    "I don't want to buy it today",
    "what's the price of the running shoes",
    "good morning",
    "are you a bot",
    "I want to cancel before tomorrow",
    "I want to return it, wrong turn",
]


@pytest.fixture(scope="module")
def spacy_model(tmp_path_factory):
    """A blank English pipeline on disk, as `make` makes var/spacy/blank_en."""
    import spacy
    from rasa.nlu.utils.spacy_utils import SpacyModel

    path = tmp_path_factory.mktemp("spacy") / "blank_en"
    spacy.blank("en").to_disk(path)
    return SpacyModel(model=spacy.load(path), model_name=str(path))


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    return LocalModelStorage(tmp_path_factory.mktemp("models"))


def _context():
    from rasa.engine.graph import ExecutionContext, GraphSchema

    return ExecutionContext(GraphSchema({}), "test")


def _messages(texts, spacy_model, intent=None):
    from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
    from rasa.nlu.utils.spacy_utils import SpacyNLP
    from rasa.shared.nlu.training_data.message import Message

    messages = [Message(data={"text": t, **({"intent": intent} if intent else {})}) for t in texts]
    nlp = SpacyNLP(spacy_model, {"model": spacy_model.model_name, "case_sensitive": False})
    nlp.process(messages, spacy_model)
    SpacyTokenizer(SpacyTokenizer.get_default_config()).process(messages)
    return messages


@pytest.fixture(scope="module")
def trained(spacy_model, storage):
    """The normalizer trained on TRAINING_TEXTS, persisted and loaded back from the storage."""
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    config = {**LemmaNormalizer.get_default_config(), "catalog_path": str(PROJECT_ROOT / "seed" / "catalog.yml")}
    resource = Resource("lemma_normalizer")
    data = TrainingData(_messages(TRAINING_TEXTS, spacy_model, intent="ask"))
    LemmaNormalizer.create(config, storage, resource, _context()).train(data)
    return LemmaNormalizer.load(config, storage, resource, _context())


def lemmas(component, spacy_model, text):
    message = _messages([text], spacy_model)[0]
    component.process([message])
    return [t.lemma for t in message.get("text_tokens") or []]


# --------------------------------------------------------------------------- plain functions


@pytest.mark.parametrize(
    "word, expected",
    [
        ("pleeease", "please"),
        ("hiiii", "hi"),
        ("sooooo", "so"),
        ("please", "please"),
        ("gooood", "god"),
        ("", ""),
        ("!!!!", "!!!!"),
        ("zzzzzz", "z"),  # "good" only if known
    ],
)
def test_squeeze_repeats(word, expected):
    assert squeeze_repeats(word) == expected


def test_squeeze_repeats_keeps_a_known_double_letter():
    assert squeeze_repeats("gooood", known={"good"}) == "good"
    assert squeeze_repeats("thanksss", known={"thanks"}) == "thanks"


@pytest.mark.parametrize(
    "word, expected",
    [
        ("a1003", True),
        ("10", True),
        ("10.5", True),
        ("x@y.com", True),
        ("shop.com", True),
        ("https://x.io/a", True),
        ("hoodie", True),
        ("olive", True),  # catalog words
        ("2day", False),
        ("b4", False),
        ("pls", False),
        ("hello", False),
    ],
)
def test_is_protected(word, expected):
    assert is_protected(word, catalog_words(str(PROJECT_ROOT / "seed" / "catalog.yml"))) is expected


def test_catalog_words_of_an_unreadable_catalog_are_none(tmp_path):
    assert catalog_words(str(tmp_path / "missing.yml")) == set()
    (tmp_path / "bad.yml").write_text("products: [")
    assert catalog_words(str(tmp_path / "bad.yml")) == set()
    assert catalog_words(None) == set()


def _plain(text, vocabulary=None, protected=frozenset()):
    words = text.split()
    typos = TypoCorrector(vocabulary, keyboard=True) if vocabulary else None  # as the component
    return normalize_tokens(words, [False] * len(words), typos, set(protected))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("pls do u have it", "please do you have it"),
        ("r u there", "are you there"),
        ("ur shop thx", "your shop thanks"),
        ("plz thnx", "please thanks"),
        ("2day or b4 tmrw", "today or before tomorrow"),
        ("wanna buy", "want to buy"),
        ("idk", "i do n't know"),
        ("HELLO There", "hello there"),
        # "4" is "for" only where it is no quantity or size
        ("a gift 4 my mom", "a gift for my mom"),
        ("looking 4 a hat", "looking for a hat"),
        ("size 4", "size 4"),
        ("size 4 please", "size 4 please"),
        ("i want 4 of them", "i want 4 of them"),
        ("4", "4"),
        ("get 4 the team", "get 4 the team"),
        ("", ""),
    ],
)
def test_normalize_text_speak(text, expected):
    assert " ".join(_plain(text)) == expected


def test_normalize_spelling_against_the_vocabulary():
    vocabulary = ["where", "is", "my", "order", "please", "cancel", "tomorrow", "subscription"]
    assert _plain("wher is my ordr", vocabulary) == ["where", "is", "my", "order"]
    assert _plain("cancle my subscribtion", vocabulary) == ["cancel", "my", "subscription"]
    assert _plain("pleeease", vocabulary) == ["please"]
    # unknown but not close: left alone; too short to guess: left alone
    assert _plain("refund my ordr", vocabulary) == ["refund", "my", "order"]
    assert _plain("iz", vocabulary) == ["iz"]
    # ids, numbers, emails and catalog words are never changed
    assert _plain("A1003 1003 ordr@x.com", vocabulary) == ["a1003", "1003", "ordr@x.com"]
    assert _plain("ordr", vocabulary, protected={"ordr"}) == ["ordr"]


def test_normalize_any_text_without_crashing():
    vocabulary = ["hello", "order"]
    for text in ["🙂🙂🙂", "привет как дела", "商品", "x" * 100000, "!!! ??? ...", "a\u200bb"]:
        assert len(_plain(text, vocabulary)) == len(text.split())


# --------------------------------------------------------------------------- the component


@pytest.mark.parametrize(
    "text, expected",
    [
        ("pls do u have the backpak", ["please", "do", "you", "have", "the", "backpack"]),
        ("Im looking 4 a gift", ["i", "'m", "looking", "for", "a", "gift"]),
        ("i dont wanna buy it 2day", ["i", "do", "n't", "want to", "buy", "it", "today"]),
        ("whats the price of the runing shoes", ["what", "'s", "the", "price", "of", "the", "running", "shoes"]),
        ("hiiii thx", ["hi", "thanks"]),
        ("wher is my ordr A1003", ["where", "is", "my", "order", "a1003"]),
        ("size 4 in olive pls", ["size", "4", "in", "olive", "please"]),
        ("size m", ["size", "m"]),  # a size is not "'m"
        ("howdy", ["howdy"]),  # not "hoodie", and not a typo of anything
        ("my shirt is torn", ["my", "shirt", "is", "torn"]),  # not "turn": o and u are far apart
    ],
)
def test_lemmas(trained, spacy_model, text, expected):
    assert lemmas(trained, spacy_model, text) == expected


def test_token_text_and_offsets_are_kept(trained, spacy_model):
    text = "pls do u have the backpak"
    message = _messages([text], spacy_model)[0]
    before = [(t.text, t.start, t.end) for t in message.get("text_tokens")]
    trained.process([message])
    after = message.get("text_tokens")
    assert [(t.text, t.start, t.end) for t in after] == before
    assert [text[t.start : t.end] for t in after] == ["pls", "do", "u", "have", "the", "backpak"]


@pytest.mark.parametrize("text", ["", "🙂", "привет мир", "x" * 20000, "   "])
def test_process_any_text(trained, spacy_model, text):
    message = _messages([text], spacy_model)[0]
    trained.process([message])  # no crash; tokens, if any, keep their text
    assert all(t.lemma for t in message.get("text_tokens") or [])


def test_untrained_component_only_spells_out_text_speak(spacy_model, storage):
    from rasa.engine.storage.resource import Resource

    untrained = LemmaNormalizer.load({"catalog_path": None}, storage, Resource("never_trained"), _context())
    assert lemmas(untrained, spacy_model, "pls wher u") == ["please", "wher", "you"]


@pytest.mark.parametrize("analyzer", ["word", "char_wb"])
def test_count_vectors_see_text_speak_as_the_training_data(trained, spacy_model, storage, analyzer):
    """The point of it all: the intent classifier gets the same features for both."""
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
    from rasa.shared.nlu.training_data.training_data import TrainingData

    config = {**CountVectorsFeaturizer.get_default_config(), "analyzer": analyzer}
    if analyzer == "char_wb":
        config.update(min_ngram=1, max_ngram=4)
    featurizer = CountVectorsFeaturizer.create(config, storage, Resource(f"cvf_{analyzer}"), _context())
    data = TrainingData(trained.process(_messages(TRAINING_TEXTS, spacy_model, intent="ask")))
    featurizer.train(data)

    typed, written = _messages(["pls do u have the backpak", "please do you have the backpack"], spacy_model)
    trained.process([typed, written])
    featurizer.process([typed, written])
    for kind in (0, 1):  # sequence and sentence features
        a = typed.get_sparse_features("text")[kind].features.toarray()
        b = written.get_sparse_features("text")[kind].features.toarray()
        assert np.array_equal(a, b)
    # and without the normalizer they differ
    (raw,) = _messages(["pls do u have the backpak"], spacy_model)
    featurizer.process([raw])
    assert not np.array_equal(
        raw.get_sparse_features("text")[1].features.toarray(), written.get_sparse_features("text")[1].features.toarray()
    )
