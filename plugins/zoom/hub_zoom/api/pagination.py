"""Following Zoom's ``next_page_token`` to the end, and proving nothing was dropped.

Zoom lists default to 30 items per page and several peers silently stopped after the first
page (``page_number`` no longer works on registrant and report listings), which showed up as
missing registrants and phantom no-shows. Here every listing asks for the maximum page size
(300), follows ``next_page_token`` until Zoom returns ``""``, and compares the number of
items with ``total_records`` when Zoom sends it. A repeated token (a loop) or a short count
raises :class:`ZoomPaginationError` rather than returning a partial list.

Page tokens expire after 15 minutes. :func:`collect` restarts a listing once from the first
page when Zoom says the token expired, which is safe because it only returns the complete
list; the streaming :func:`paginate` cannot restart without yielding duplicates, so it raises.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from hub_zoom.api.errors import ZoomPaginationError, ZoomValidationError
from hub_zoom.api.logs import get_logger

log = get_logger(__name__)

MAX_PAGE_SIZE = 300
MAX_PAGES = 10_000

PageFetcher = Callable[[dict[str, Any]], Awaitable[Mapping[str, Any]]]
"""Fetch one page given its query parameters (the client adds auth, retries, budget)."""


async def paginate(
    fetch: PageFetcher,
    key: str,
    params: Mapping[str, Any] | None = None,
    *,
    page_size: int = MAX_PAGE_SIZE,
    max_pages: int = MAX_PAGES,
) -> AsyncIterator[dict[str, Any]]:
    """Yield every item under ``key`` across all pages of a Zoom listing."""
    query: dict[str, Any] = {k: v for k, v in (params or {}).items() if v is not None}
    query.pop("next_page_token", None)
    query["page_size"] = page_size
    seen: set[str] = set()
    count = 0
    total: int | None = None
    pages = 0
    while True:
        page = await fetch(dict(query))
        pages += 1
        items = page.get(key)
        if items is None:
            items = []
        if not isinstance(items, list):
            raise ZoomPaginationError(
                None, None, f"listing key {key!r} is not a list", path=str(key)
            )
        for item in items:
            count += 1
            yield item
        reported = page.get("total_records")
        if isinstance(reported, int):
            total = reported
        token = page.get("next_page_token") or ""
        if not token:
            break
        if token in seen:
            raise ZoomPaginationError(
                None, None, f"Zoom repeated a next_page_token while listing {key!r}"
            )
        if pages >= max_pages:
            raise ZoomPaginationError(
                None, None, f"listing {key!r} exceeded {max_pages} pages; refusing to continue"
            )
        seen.add(token)
        query["next_page_token"] = token
    if total is not None and count < total:
        raise ZoomPaginationError(
            None,
            None,
            f"listing {key!r} ended after {count} items but Zoom reported {total}",
        )


def _is_expired_page_token(error: ZoomValidationError) -> bool:
    text = error.message.lower()
    return "next page token" in text or "next_page_token" in text


async def collect(
    fetch: PageFetcher,
    key: str,
    params: Mapping[str, Any] | None = None,
    *,
    page_size: int = MAX_PAGE_SIZE,
) -> list[dict[str, Any]]:
    """Return the complete listing; restart once if a page token expired midway."""
    for attempt in (1, 2):
        try:
            return [item async for item in paginate(fetch, key, params, page_size=page_size)]
        except ZoomValidationError as exc:
            if attempt == 2 or not _is_expired_page_token(exc):
                raise
            log.warning("zoom next_page_token expired while listing %s; restarting", key)
    raise AssertionError("unreachable")  # pragma: no cover
