"""Small text renderings shared by the card and the event sections."""

from __future__ import annotations

from datetime import UTC, datetime

BASE = "/admin/plugins/zoom"


def when(value: datetime | None) -> str:
    """A stored time as UTC text (SQLite hands back naive datetimes, which are UTC)."""
    if value is None:
        return "never"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def size(num_bytes: int | None) -> str:
    if num_bytes is None:
        return "unknown"
    amount = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GB"


def event_url(event_id: str, *parts: str) -> str:
    from urllib.parse import quote

    tail = "/".join(quote(p, safe="") for p in parts)
    return f"{BASE}/events/{quote(event_id, safe='')}" + (f"/{tail}" if tail else "")
