"""Loggers of the Zoom API client, masked by the hub's redaction whatever handles them.

The client logs through Python's standard logging (it is usable without the hub), and the
hub configures only structlog: a handler someone adds (a test's, an operator's
``logging.basicConfig``) would otherwise print a token that slipped into a message
unmasked. The filter sits on the loggers themselves, so every handler sees masked text;
httpx's request lines (URLs of recording downloads carry an ``access_token``) get it too.
"""

from __future__ import annotations

import logging

from hub.observability.redaction import redact_text

LIBRARY_LOGGERS = ("httpx", "httpcore")


class RedactingFilter(logging.Filter):
    """Replaces a record's message with its redacted rendering (arguments merged in)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


_FILTER = RedactingFilter()


def _masked(logger: logging.Logger) -> logging.Logger:
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def get_logger(name: str) -> logging.Logger:
    """The named logger, masked; the HTTP libraries' loggers are masked on the way."""
    for library in LIBRARY_LOGGERS:
        _masked(logging.getLogger(library))
    return _masked(logging.getLogger(name))
