"""Masks known secret values wherever they would appear in log output.

Secrets are registered when they enter the process (environment references in hub.toml,
API keys, OAuth tokens as they are issued), so a value is masked even if some code path
logs it by mistake. Short values are ignored: masking "1" everywhere would ruin logs and
protect nothing.
"""

from __future__ import annotations

import threading
from typing import Any

MIN_SECRET_LENGTH = 8
MASK = "[redacted]"
_secrets: set[str] = set()
_lock = threading.Lock()
SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "access_token",
        "refresh_token",
        "client_secret",
        "password",
        "secret",
        "token",
        "api_key",
        "start_url",
        "code_verifier",
    }
)


def register_secret(value: str | None) -> None:
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def redact_text(text: str) -> str:
    if not _secrets:
        return text
    for secret in tuple(_secrets):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_value(key: str, value: Any) -> Any:
    if key.lower() in SENSITIVE_KEYS and value:
        return MASK
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    return value


def structlog_processor(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return {k: redact_value(k, v) for k, v in event_dict.items()}
