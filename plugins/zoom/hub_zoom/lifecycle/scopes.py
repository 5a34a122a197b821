"""Does the granted scope string cover the scopes the hub needs?

Zoom has two scope vocabularies. Apps created since 2024 get *granular* scopes
(``meeting:write:meeting``, ``meeting:update:registrant_status``), older apps keep *classic*
ones (``meeting:write:admin``). The hub's required list is granular; a classic scope
covers every granular scope of its product and action, and ``write`` also covers
``update``, ``delete`` and ``read`` (classic "View and manage"). The ``:admin`` and
``:master`` suffixes only widen whose data a scope reaches, never what it allows.
"""

from __future__ import annotations

from collections.abc import Iterable

_SUFFIXES = (":admin", ":master")
# Classic product names whose granular scopes live under another product.
_CLASSIC_PRODUCTS = {"recording": "cloud_recording"}
_WRITE_COVERS = frozenset({"write", "update", "delete", "read"})


def _strip(scope: str) -> str:
    for suffix in _SUFFIXES:
        if scope.endswith(suffix):
            return scope[: -len(suffix)]
    return scope


def covers(granted: str, required: str) -> bool:
    """True when the ``granted`` scope allows what ``required`` names."""
    have, need = _strip(granted.strip()), _strip(required.strip())
    if have == need:
        return True
    have_parts, need_parts = have.split(":"), need.split(":")
    if len(need_parts) < 3:
        return False
    product, action = need_parts[0], need_parts[1]
    if len(have_parts) == 2:  # classic: product:action
        have_product = _CLASSIC_PRODUCTS.get(have_parts[0], have_parts[0])
        if have_product != product:
            return False
        return action in _WRITE_COVERS if have_parts[1] == "write" else have_parts[1] == action
    if len(have_parts) == 3 and have_parts[2] == "*":  # granular wildcard
        return have_parts[0] == product and have_parts[1] == action
    return False


def parse(scope: str | Iterable[str] | None) -> list[str]:
    if scope is None:
        return []
    items = scope.split() if isinstance(scope, str) else list(scope)
    return sorted({s for s in items if s})


def missing(granted: str | Iterable[str] | None, required: Iterable[str]) -> list[str]:
    """The required scopes no granted scope covers, in the order they were required."""
    have = parse(granted)
    return [need for need in required if not any(covers(h, need) for h in have)]
