"""Zoom pagination: ``page_size`` (default 30, max 300) and ``next_page_token``.

Tokens are opaque and expire 15 minutes (emulated) after they are issued; an expired
or foreign token gives ``400 {"code":300,"message":"The next page token is invalid or
expired."}``.  A token is bound to the route and filter that produced it, so reusing it
on another listing is rejected as it would be on Zoom.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from .clock import Clock
from .errors import bad_page_token, validation_failed

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 300
TOKEN_LIFETIME = timedelta(minutes=15)


@dataclass
class _PageToken:
    scope: str
    offset: int
    issued_at: datetime


@dataclass
class Page:
    items: list[Any]
    page_size: int
    page_number: int
    page_count: int
    total_records: int
    next_page_token: str

    def envelope(self, key: str, with_page_number: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "page_count": self.page_count,
            "page_size": self.page_size,
            "total_records": self.total_records,
            "next_page_token": self.next_page_token,
        }
        if with_page_number:
            body["page_number"] = self.page_number
        body[key] = self.items
        return body


class Paginator:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._tokens: dict[str, _PageToken] = {}

    def page(
        self,
        items: Sequence[T],
        query: Mapping[str, str],
        scope: str,
        max_page_size: int = MAX_PAGE_SIZE,
    ) -> Page:
        """Cut one page out of ``items`` according to Zoom's query parameters.

        ``scope`` identifies the listing (route + filters) the token belongs to.
        A ``page_size`` above the maximum is clamped, as Zoom does.
        """
        page_size = _int_param(query, "page_size", DEFAULT_PAGE_SIZE)
        if page_size < 1:
            page_size = DEFAULT_PAGE_SIZE
        page_size = min(page_size, max_page_size)
        offset = 0
        token = query.get("next_page_token") or ""
        if token:
            stored = self._tokens.get(token)
            now = self._clock.now()
            if stored is None or stored.scope != scope or now - stored.issued_at > TOKEN_LIFETIME:
                raise bad_page_token()
            offset = stored.offset
        elif query.get("page_number"):
            page_number = _int_param(query, "page_number", 1)
            if page_number < 1:
                raise validation_failed("page_number")
            offset = (page_number - 1) * page_size
        total = len(items)
        chunk = list(items[offset : offset + page_size])
        next_token = ""
        if offset + page_size < total:
            next_token = secrets.token_urlsafe(24)
            self._tokens[next_token] = _PageToken(scope, offset + page_size, self._clock.now())
        self._expire()
        return Page(
            items=chunk,
            page_size=page_size,
            page_number=offset // page_size + 1,
            page_count=math.ceil(total / page_size) if total else 0,
            total_records=total,
            next_page_token=next_token,
        )

    def _expire(self) -> None:
        if len(self._tokens) < 10_000:
            return
        cutoff = self._clock.now() - TOKEN_LIFETIME
        for key in [k for k, v in self._tokens.items() if v.issued_at < cutoff]:
            del self._tokens[key]


def _int_param(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise validation_failed(name, "Invalid field.") from None
