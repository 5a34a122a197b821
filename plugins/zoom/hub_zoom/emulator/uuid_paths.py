"""Zoom's rule for meeting UUIDs in URL paths.

A UUID that begins with ``/`` or contains ``//`` must be URL-encoded twice; any other
UUID once.  ASGI servers decode the path once before routing, which would turn an
encoded ``/`` into a path separator, so this module re-reads the raw path and hands
the router segments that keep their slashes encoded.  Route handlers then decode path
values once more with ``urllib.parse.unquote``.

A UUID that needs double encoding but arrived encoded once cannot be found, as on
Zoom: the segment is replaced by a value no meeting has, so the lookup fails with the
endpoint's usual "does not exist" error.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

SINGLE_ENCODED_MARKER = "not-double-encoded:"


def decode_segment(raw: str) -> str:
    """The value a route handler should see for one raw path segment (still quoted)."""
    once = unquote(raw)
    if "%" in once:
        value = unquote(once)
    else:
        value = once
        if value.startswith("/") or "//" in value:
            value = SINGLE_ENCODED_MARKER + value
    return quote(value, safe="@:+=,;!$&'()*")


def rewrite_scope(scope: dict[str, Any], prefixes: tuple[str, ...] = ("/v2/",)) -> None:
    """Rebuild ``scope["path"]`` from ``raw_path`` for Zoom API paths."""
    if scope.get("type") != "http":
        return
    path: str = scope.get("path", "")
    raw_path: bytes | None = scope.get("raw_path")
    if not raw_path or not path.startswith(prefixes):
        return
    raw = raw_path.decode("latin-1")
    if "%" not in raw:
        return
    segments = raw.split("/")
    scope["path"] = "/".join(decode_segment(s) if s else s for s in segments)
