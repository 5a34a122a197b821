"""A string wrapper that never shows its value in ``repr``, ``str``, logs or tracebacks.

Client secrets travel through constructors, settings objects and exception frames; a
default ``repr`` would print them into logs the first time something fails. Wrapping the
value means the only way to see it is an explicit :meth:`Secret.reveal` at the point of use.
"""

from __future__ import annotations

import hmac

REDACTED = "**********"


class Secret:
    """An opaque secret string. ``reveal()`` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        self._value = value.reveal() if isinstance(value, Secret) else str(value)

    def reveal(self) -> str:
        """Return the plain value; call this only where the value is sent on the wire."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


def as_secret(value: str | Secret) -> Secret:
    """Accept either a plain string or a :class:`Secret` where a secret is expected."""
    return value if isinstance(value, Secret) else Secret(value)
