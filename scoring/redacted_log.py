"""Logs without card data: every record is redacted once formatted, its message and traceback alike (errors quote
what people typed and what files held: a name, a cell, a path)."""

from __future__ import annotations

import logging

from .redact import redact_name, redact_text

STDERR_FORMAT = "%(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """A formatter whose messages and tracebacks have card numbers, security codes and SSNs replaced by placeholders
    (not the time and the logger's name it adds, whose digits are no card data)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = _redacted(record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:  # cached on the record, perhaps by another handler: redacted for every handler
            record.exc_text = _redacted(record.exc_text)
        return super().format(record)

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 (logging's name)
        return _redacted(super().formatStack(stack_info))


def _redacted(text: str) -> str:
    """A log's text redacted as speech, and its paths as file names ("/rec/social_123456789.wav": speech takes
    "/rec/social_" for no cue)."""
    return redact_name(redact_text(text))


def log_to_stderr(level: int) -> None:
    """Log records of `level` and above to stderr, redacted (unless logging is set up already)."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(STDERR_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
