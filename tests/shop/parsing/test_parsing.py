"""What customers type, turned into clean values or a precise reason why not."""

import pytest

from shop.parsing.ids import parse_email, parse_order_id
from shop.parsing.numbers import MAX_QUANTITY, parse_quantity
from shop.parsing.sizes import parse_choice, parse_size

SHOE_SIZES = ["7", "8", "9", "10", "11", "12"]
LETTER_SIZES = ["S", "M", "L", "XL"]
WAIST_SIZES = ["30", "32", "34", "36"]


@pytest.mark.parametrize(
    "raw, value, error",
    [
        # numbers as numbers
        (2, 2, None),
        (2.0, 2, None),
        (0, None, "not_positive"),
        (-3, None, "not_positive"),
        (2.5, None, "not_whole"),
        (True, None, "not_a_number"),  # a bool is an int in Python, never a quantity
        (False, None, "not_a_number"),
        (None, None, "missing"),
        # numbers as text
        ("1", 1, None),
        ("10", MAX_QUANTITY, None),
        ("11", None, "too_many"),
        ("1000000", None, "too_many"),
        ("1,000", None, "too_many"),
        ("2.5", None, "not_whole"),
        ("2.0", 2, None),
        ("0", None, "not_positive"),
        ("-3", None, "not_positive"),
        ("3 please", 3, None),
        ("  4  ", 4, None),
        ("I'll take 2", 2, None),
        # numbers as words
        ("two", 2, None),
        ("Two", 2, None),
        ("a couple", 2, None),
        ("a couple please", 2, None),  # the longest phrase wins over "a"
        ("a pair", 2, None),
        ("just one", 1, None),
        ("one", 1, None),
        ("ten", 10, None),
        ("a dozen", None, "too_many"),
        ("zero", None, "not_positive"),
        ("none", None, "not_positive"),
        ("a million", None, "too_many"),
        ("a thousand", None, "too_many"),
        # numbers too big for an int, or no number at all: an answer, never an exception
        ("9" * 400, None, "too_many"),
        ("-" + "9" * 400, None, "not_positive"),
        (float("inf"), None, "too_many"),
        (float("-inf"), None, "not_positive"),
        (float("nan"), None, "not_a_number"),
        # not a quantity
        ("abc", None, "not_a_number"),
        ("", None, "not_a_number"),
        ("someone", None, "not_a_number"),  # "one" only as a whole word
        ("fourteen", None, "too_many"),  # fourteen, not the "four" inside it
    ],
)
def test_parse_quantity(raw, value, error):
    parsed = parse_quantity(raw)
    assert (parsed.value, parsed.error) == (value, error)
    assert parsed.ok is (error is None)


def test_parse_quantity_limit_is_configurable():
    assert parse_quantity("20", max_quantity=50).value == 20
    assert parse_quantity("3", max_quantity=2).error == "too_many"


@pytest.mark.parametrize(
    "raw, value, error",
    [
        ("a1003", "A1003", None),
        ("A1003", "A1003", None),
        ("A-1003", "A1003", None),
        ("a - 1003", "A1003", None),
        ("order A1003", "A1003", None),
        ("my order is #a1003, thanks", "A1003", None),
        ("R5001", "R5001", None),
        ("A100345", "A100345", None),  # up to six digits
        ("1003", "A1003", None),  # the letter left out
        ("#1003", "A1003", None),
        ("123", None, "malformed"),
        ("AB12", None, "malformed"),
        ("AB1003", None, "malformed"),  # two letters: not an order id
        ("A12", None, "malformed"),
        ("A1234567", None, "malformed"),
        ("hello", None, "malformed"),
        ("", None, "missing"),
        ("   ", None, "missing"),
        (None, None, "missing"),
    ],
)
def test_parse_order_id(raw, value, error):
    parsed = parse_order_id(raw)
    assert (parsed.value, parsed.error) == (value, error)


@pytest.mark.parametrize(
    "raw, value, error",
    [
        ("jane@example.com", "jane@example.com", None),
        ("JANE@EXAMPLE.COM", "jane@example.com", None),
        ("  Jane.Doe@Example.com  ", "jane.doe@example.com", None),
        ("x@y.co", "x@y.co", None),
        ("o'brien+shop@mail.example.co.uk", "o'brien+shop@mail.example.co.uk", None),
        ("<jane@example.com>", "jane@example.com", None),
        ("jane@example.com.", "jane@example.com", None),  # end of a sentence
        ("my email is jane@example.com thanks", "jane@example.com", None),
        ("jane@example", None, "malformed"),
        ("jane.example.com", None, "malformed"),
        ("jane@@example.com", None, "malformed"),
        ("jane..doe@example.com", None, "malformed"),
        ("jane@example.c", None, "malformed"),
        ("jane doe@example", None, "malformed"),
        ("no email", None, "malformed"),
        ("a" * 250 + "@example.com", None, "malformed"),  # longer than 254 characters
        ("", None, "missing"),
        (None, None, "missing"),
    ],
)
def test_parse_email(raw, value, error):
    parsed = parse_email(raw)
    assert (parsed.value, parsed.error) == (value, error)


@pytest.mark.parametrize(
    "raw, allowed, value, error",
    [
        # shoe sizes
        ("10", SHOE_SIZES, "10", None),
        ("size 10", SHOE_SIZES, "10", None),
        ("Size 10 please", SHOE_SIZES, "10", None),
        ("I'm a 9", SHOE_SIZES, "9", None),
        ("10.0", SHOE_SIZES, "10", None),
        (10, SHOE_SIZES, "10", None),
        ("13", SHOE_SIZES, None, "unknown_size"),
        ("9.5", SHOE_SIZES, None, "unknown_size"),
        ("medium", SHOE_SIZES, None, "unknown_size"),
        # letter sizes
        ("medium", LETTER_SIZES, "M", None),
        ("a medium please", LETTER_SIZES, "M", None),
        ("m", LETTER_SIZES, "M", None),
        ("M", LETTER_SIZES, "M", None),
        ("large", LETTER_SIZES, "L", None),
        ("extra large", LETTER_SIZES, "XL", None),
        ("x-large", LETTER_SIZES, "XL", None),
        ("xl", LETTER_SIZES, "XL", None),
        ("small", LETTER_SIZES, "S", None),
        ("xs", LETTER_SIZES, None, "unknown_size"),  # a known word, but not a size it comes in
        ("xxl", LETTER_SIZES, None, "unknown_size"),
        ("10", LETTER_SIZES, None, "unknown_size"),
        # waist sizes
        ("32", WAIST_SIZES, "32", None),
        ("size 33", WAIST_SIZES, None, "unknown_size"),
        # nothing said
        ("", SHOE_SIZES, None, "missing"),
        (None, SHOE_SIZES, None, "missing"),
        ("10", [], None, "unknown_size"),  # a product without sizes
    ],
)
def test_parse_size(raw, allowed, value, error):
    parsed = parse_size(raw, allowed)
    assert (parsed.value, parsed.error) == (value, error)


@pytest.mark.parametrize(
    "raw, allowed, value, error",
    [
        ("navy", ["navy", "grey"], "navy", None),
        ("the navy one", ["navy", "grey"], "navy", None),
        ("NAVY", ["navy", "grey"], "navy", None),
        ("grey please", ["navy", "grey"], "grey", None),
        ("light blue", ["blue", "light blue"], "light blue", None),  # longest option first
        ("red", ["navy", "grey"], None, "unknown_choice"),
        ("navyish", ["navy", "grey"], None, "unknown_choice"),  # whole words only
        ("", ["navy"], None, "missing"),
        (None, ["navy"], None, "missing"),
    ],
)
def test_parse_choice(raw, allowed, value, error):
    parsed = parse_choice(raw, allowed)
    assert (parsed.value, parsed.error) == (value, error)
