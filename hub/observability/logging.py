"""structlog set-up: readable console lines in development, JSON lines in production.

Request and delivery ids, event ids and plugin names travel in contextvars, so every line
logged while serving a request or running a delivery carries them without being passed
around. The redaction processor runs last before rendering.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog

from hub.observability.redaction import structlog_processor

_configured = False


def configure_logging(
    fmt: str = "console", level: str = "info", stream: TextIO | None = None
) -> None:
    global _configured
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
    _configured = True


def get_logger(name: str = "hub") -> Any:
    return structlog.get_logger(name)
