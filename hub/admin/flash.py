"""One-time messages shown on the next admin page (after a redirect)."""

from __future__ import annotations

from typing import Any, Literal

from litestar.connection import ASGIConnection

SESSION_KEY = "flash"
MAX_MESSAGES = 5
Level = Literal["info", "error"]


def flash(request: ASGIConnection[Any, Any, Any, Any], text: str, level: Level = "info") -> None:
    """Store ``text`` in the session for the next page; older messages beyond a few drop."""
    messages = list(request.session.get(SESSION_KEY) or [])
    messages.append({"text": str(text)[:500], "level": "error" if level == "error" else "info"})
    request.session[SESSION_KEY] = messages[-MAX_MESSAGES:]


def take_flashes(request: ASGIConnection[Any, Any, Any, Any]) -> list[dict[str, str]]:
    """The pending messages, removed from the session (shown once)."""
    if "session" not in request.scope:
        return []
    messages = request.session.pop(SESSION_KEY, None) or []
    return [m for m in messages if isinstance(m, dict)]
