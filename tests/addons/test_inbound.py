"""What every customer channel accepts (addons/inbound.py), and a Messenger batch with one bad event."""

import json

import pytest

from addons.inbound import (
    MAX_MESSAGE_CHARS,
    bounded_metadata,
    clean_text,
    issue_session_id,
    rest_problem,
    session_id_ok,
    valid_sender,
)


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("hi", "hi"),
        ("  do you have boots?  ", "do you have boots?"),
        ("hi\ud800 there", "hi there"),  # a lone surrogate: no UTF-8 exists for it
        ("stop\x00\x00", "stop"),
        ("re\u200bfund", "refund"),  # zero-width space
        ("\u202eorder A1001", "order A1001"),  # right-to-left override
        ("\ufeffhello", "hello"),  # byte-order mark
        ("cafe\u0301", "caf\u00e9"),  # NFC
        ("line one\nline two\tend", "line one\nline two\tend"),
        ("ça va? 你好 😀", "ça va? 你好 😀"),
        ("\x00\u200b", ""),
    ],
)
def test_clean_text(typed, cleaned):
    assert clean_text(typed) == cleaned
    clean_text(typed).encode("utf-8")  # always encodable


def test_a_long_message_is_cut_before_nlu():
    assert len(clean_text("word " * 10_000)) == MAX_MESSAGE_CHARS


@pytest.mark.parametrize("sender", ["me", "e2e-1a2b", "psid.123", "a" * 128, "user@example.com", "+15550100"])
def test_valid_senders(sender):
    assert valid_sender(sender)


@pytest.mark.parametrize("sender", [None, "", " ", "a" * 129, 42, ["x"], "two words", "x\x00", "line\nbreak"])
def test_invalid_senders(sender):
    assert not valid_sender(sender)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([], "the body must be a JSON object"),
        ("hi", "the body must be a JSON object"),
        (None, "the body must be a JSON object"),
        ({"message": "hi"}, "sender must be"),
        ({"sender": "", "message": "hi"}, "sender must be"),
        ({"sender": {"id": 1}, "message": "hi"}, "sender must be"),
        ({"sender": "me"}, "message must be"),
        ({"sender": "me", "message": 5}, "message must be"),
        ({"sender": "me", "message": "  \u200b "}, "message must be"),
    ],
)
def test_rest_problems(body, problem):
    assert rest_problem(body).startswith(problem)


def test_a_rest_message_passes():
    assert rest_problem({"sender": "me", "message": "hi", "metadata": {"page": "home"}}) is None


def test_metadata_is_bounded():
    assert bounded_metadata({"page": "home"}) == {"page": "home"}
    assert bounded_metadata(json.dumps({"page": "home"})) == {"page": "home"}
    assert bounded_metadata({"blob": "x" * 5000}) == {}
    assert bounded_metadata("x" * 20_000_000) == {}
    assert bounded_metadata("not json") == {}
    assert bounded_metadata([1, 2]) == {}
    assert bounded_metadata(None) == {}


def test_web_chat_session_ids_are_the_servers_own():
    issued = issue_session_id("secret")
    assert session_id_ok(issued, "secret")
    assert valid_sender(issued)
    assert not session_id_ok(issued, "another secret")  # another deployment's
    nonce, _, mac = issued.partition(".")
    assert not session_id_ok(nonce, "secret")
    assert not session_id_ok(f"{nonce}.{'0' * len(mac)}", "secret")
    for named in ["e2e-1234", "default", "1234567890123456", None, 7, "a." + "b" * 200]:
        assert not session_id_ok(named, "secret")
    assert issue_session_id("secret") != issued


def test_message_limits_per_conversation_and_per_client(monkeypatch):
    from addons.inbound import MessageLimits

    monkeypatch.setenv("RATE_LIMIT_PER_SENDER", "3")
    monkeypatch.setenv("RATE_LIMIT_PER_CLIENT", "5")
    limits = MessageLimits("test")
    assert [limits.allowed("alice", "203.0.113.9") for _ in range(4)] == [True, True, True, False]
    assert limits.allowed("bob", "203.0.113.9") is True  # the 5th from that address
    assert limits.allowed("carol", "203.0.113.9") is False  # the address is over its limit
    assert limits.allowed("carol", "198.51.100.4") is True
    assert limits.allowed("dave", None) is True  # no address known: per conversation only


def test_a_rate_limit_window_passes():
    from shop.shared_state import RateLimit

    now = [1000.0]
    limit = RateLimit(2, window=60, clock=lambda: now[0])
    assert [limit.hit("k") for _ in range(3)] == [True, True, False]
    now[0] += 60
    assert limit.hit("k") is True
