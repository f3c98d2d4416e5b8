"""No email address or token is written to a log: every log record is redacted when it is made
(emails become <email>, token=... and Bearer ... values become <redacted>). install() is called
by each process at start (the Rasa server through addons/, the action server, the web app)."""

import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN = re.compile(r"(?i)\b(token=|bearer\s+|auth[_-]token[=:\s]+)[^\s&'\"()]+")


def redact(text: str) -> str:
    return _TOKEN.sub(r"\1<redacted>", _EMAIL.sub("<email>", text))


def install() -> None:
    """Idempotent: wraps the log record factory once per process."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: leave it to logging's own error report
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return record

    factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
