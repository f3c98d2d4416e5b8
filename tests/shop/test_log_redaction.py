"""shop/log_redaction.py: emails and tokens never reach a log."""

import logging

import pytest

from shop import log_redaction


@pytest.mark.parametrize(
    ("message", "logged"),
    [
        ("order for maria.lopez@example.com placed", "order for <email> placed"),
        ("GET /status?token=s3cr3t-Tok_en&x=1", "GET /status?token=<redacted>&x=1"),
        ("Authorization: Bearer abc.def", "Authorization: Bearer <redacted>"),
        ("--auth-token=-abc123", "--auth-token=<redacted>"),
        ("nothing to hide", "nothing to hide"),
    ],
)
def test_redact(message, logged):
    assert log_redaction.redact(message) == logged


def test_every_record_is_redacted_when_made(caplog):
    log_redaction.install()
    log_redaction.install()  # once is enough; twice changes nothing
    with caplog.at_level(logging.INFO):
        logging.getLogger("anything").info("follow-up for %s (token=%s)", "sam@example.com", "xyz")
    assert caplog.messages == ["follow-up for <email> (token=<redacted>)"]
