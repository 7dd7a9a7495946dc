"""Logs without card data: every record is redacted once formatted, its message and traceback alike (errors quote
what people typed and what files held: a name, a cell, a path)."""

from __future__ import annotations

import logging
import re

from .redact import redact_name, redact_text

STDERR_FORMAT = "%(levelname)s %(name)s: %(message)s"
# A number the code counted or numbered (an int argument of the message) is no card data unless it is as long as an
# SSN or a card number: shorter, it is kept out of the redactor's reading ("redacted card data: 2400 utterances in
# 1200 calls", "exit code 1"); text arguments, and the message's own words, are read as speech.
_COUNTED_DIGITS = 9
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")
_STAND_IN = "\ue000{}\ue001"  # no digit, no cue, no filler: ends a run of numbers as a word would


class RedactingFormatter(logging.Formatter):
    """A formatter whose messages and tracebacks have card numbers, security codes and SSNs replaced by placeholders
    (not the time and the logger's name it adds, whose digits are no card data)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = _redacted_message(record)
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


def _redacted_message(record: logging.LogRecord) -> str:
    """The record's message redacted, its counted numbers (`_COUNTED_DIGITS`) as the code wrote them."""
    counted = _counted_stand_ins(record)
    if counted is None:
        return _redacted(record.message)
    message, numbers = counted
    redacted = _redacted(message)
    for n, number in enumerate(numbers):
        redacted = redacted.replace(_STAND_IN.format(n), number)
    return redacted


def _counted_stand_ins(record: logging.LogRecord) -> tuple[str, list[str]] | None:
    """The message with each short int argument's conversion replaced by a stand-in, and those numbers as written;
    None when the message has no such argument (or arguments that are not a plain tuple for its conversions)."""
    args = record.args
    if not isinstance(args, tuple) or not args or not isinstance(record.msg, str):
        return None
    conversions = [m for m in _CONVERSION.finditer(record.msg) if m.group(1) != "%"]
    if len(conversions) != len(args) or any("*" in m.group() for m in conversions):
        return None
    numbers: list[str] = []
    values: list[object] = []
    pieces, end = [], 0
    for match, arg in zip(conversions, args):
        written = match.group() % (arg,) if _is_count(arg) and match.group(1) in "dis" else None
        if written is None or len(re.sub(r"\D", "", written)) >= _COUNTED_DIGITS:
            values.append(arg)
            continue
        pieces.append(record.msg[end : match.start()] + "%s")
        end = match.end()
        values.append(_STAND_IN.format(len(numbers)))
        numbers.append(written)
    if not numbers:
        return None
    pieces.append(record.msg[end:])
    return "".join(pieces) % tuple(values), numbers


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def log_to_stderr(level: int) -> None:
    """Log records of `level` and above to stderr, redacted (unless logging is set up already)."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(STDERR_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
