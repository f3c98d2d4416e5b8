"""Typo-tolerant word matching shared by the catalog matcher and the product look-up."""

import pytest

from shop.parsing.fuzzy import (
    COMMON_WORDS,
    TypoCorrector,
    allowed_edits,
    edit_distance,
    keys_touch,
    may_be_typo,
)


@pytest.mark.parametrize(
    "a, b, distance",
    [
        ("hoodie", "hoodie", 0),
        ("hoddie", "hoodie", 1),  # substitution
        ("backpak", "backpack", 1),  # deletion
        ("jackett", "jacket", 1),  # insertion
        ("hoodei", "hoodie", 1),  # two neighbours swapped count as one edit
        ("clasic", "classic", 1),
        ("sunglsases", "sunglasses", 1),
        ("abc", "xyz", 3),
        ("", "abc", 3),
        ("", "", 0),
    ],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b, limit=3) == distance


def test_edit_distance_stops_past_the_limit():
    assert edit_distance("a" * 50, "b" * 50, limit=2) == 3
    assert edit_distance("short", "a much longer word", limit=1) == 2


@pytest.mark.parametrize(
    "word, edits", [("tee", 0), ("cap", 0), ("boot", 1), ("jacket", 1), ("backpack", 2), ("sunglasses", 2)]
)
def test_allowed_edits_grow_with_length(word, edits):
    assert allowed_edits(word) == edits


@pytest.mark.parametrize(
    "word, expected",
    [
        ("backpak", True),
        ("howdy", False),
        ("cost", False),
        ("tee", False),
        ("a1003", False),
        ("привет", False),
        ("🙂🙂🙂🙂", False),
        ("", False),
        ("café", False),
    ],
)
def test_may_be_typo(word, expected):
    assert may_be_typo(word) is expected


@pytest.fixture(scope="module")
def corrector():
    return TypoCorrector(
        [
            "hoodie",
            "hoody",
            "hooded",
            "backpack",
            "jacket",
            "coat",
            "belt",
            "black",
            "green",
            "grey",
            "tee",
            "cap",
            "boot",
            "boots",
            "shirt",
            "sunglasses",
            "sunglasse",
            "sunglass",
            "pink",
        ]
    )


@pytest.mark.parametrize(
    "word, expected",
    [
        ("hoodie", "hoodie"),
        ("HOODIE", "hoodie"),  # known words are themselves
        ("hoddie", "hoodie"),
        ("backpak", "backpack"),
        ("jaket", "jacket"),
        ("blak", "black"),
        ("bots", "boots"),
        # ordinary English is never a typo: greetings, "how much does it cost", "the best one"
        ("howdy", None),
        ("hood", None),
        ("cost", None),
        ("best", None),
        ("chat", None),
        ("short", None),
        ("pick", None),
        ("hello", None),
        # too short to guess, another first letter, too far, or a tie of two words
        ("tea", None),
        ("cup", None),
        ("lack", None),
        ("hodie", "hoodie"),
        ("hddei", None),
        ("gren", "green"),  # not grey: n and y are far apart on the keyboard
        ("grab", None),
        ("cups", None),  # a far key in a 4-letter word: not gray, not caps
        ("hoodei", None),  # hoodie or hooded?
        # not words at all
        ("", None),
        ("a1003", None),
        ("🙂", None),
        ("привет", None),
        ("x" * 10000, None),
    ],
)
def test_typo_corrector(corrector, word, expected):
    assert corrector.correct(word) == expected


def test_forms_of_one_word_are_one_candidate_not_a_tie(corrector):
    # any of the forms will do: the catalog maps each to Sunglasses
    assert corrector.correct("sunglases") in {"sunglasses", "sunglasse", "sunglass"}


def test_a_catalog_word_is_never_guarded_as_common():
    """A shop that sells a "chat" bag still finds it: known words beat the guard list."""
    assert "chat" in COMMON_WORDS
    assert TypoCorrector(["chat"]).correct("chat") == "chat"
    assert TypoCorrector(["chats"]).correct("chat") is None  # but a common word is no typo


def test_common_words_are_lower_case_words():
    assert all(w.isalpha() and w == w.lower() for w in COMMON_WORDS)


@pytest.mark.parametrize(
    "a, b, touch",
    [
        ("s", "w", True),
        ("s", "e", True),
        ("s", "a", True),
        ("s", "d", True),
        ("s", "z", True),
        ("s", "x", True),
        ("s", "q", False),
        ("s", "c", False),
        ("o", "u", False),
        ("o", "p", True),
        ("m", "l", False),
        ("m", "n", True),
        ("m", "k", True),
        ("t", "c", False),
        ("1", "2", False),
        ("é", "e", False),
    ],
)
def test_keys_touch(a, b, touch):
    assert keys_touch(a, b) is touch


def test_keyboard_edit_distance_charges_far_substitutions_double():
    assert edit_distance("ordet", "order", 2, keyboard=True) == 1  # t next to r
    assert edit_distance("home", "hole", 2, keyboard=True) == 2  # m far from l
    assert edit_distance("ordr", "order", 2, keyboard=True) == 1  # a missing letter is one edit
    assert edit_distance("cancle", "cancel", 2, keyboard=True) == 1  # and a swap


def test_keyboard_corrector_keeps_real_words_that_are_one_far_key_off():
    """On the held-out set, plain edit distance turned home into hole, torn into turn, strap
    into scrap, heaps into helps: the vocabulary corrector allows only neighbouring keys."""
    vocabulary = ["hole", "turn", "scrap", "helps", "order", "where"]
    loose, keyboard = TypoCorrector(vocabulary), TypoCorrector(vocabulary, keyboard=True)
    for word in ["strap", "heaps"]:
        assert loose.correct(word) is not None
    for word in ["home", "torn", "strap", "heaps"]:  # 4-letter words take only near keys anyway
        assert keyboard.correct(word) is None
        assert word in ("strap", "heaps") or loose.correct(word) is None
    assert keyboard.correct("ordet") == "order" and keyboard.correct("wher") == "where"
