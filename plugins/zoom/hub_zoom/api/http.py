"""The shared ``httpx.AsyncClient`` settings: timeouts, pool size, user agent.

One client per process (passed to :class:`~hub_zoom.api.client.ZoomClient` and the token
providers) keeps TLS connections to Zoom alive across requests; a client per call would pay a
TLS handshake each time and exhaust sockets under load. Timeouts are explicit because httpx's
default of 5 s for everything is too short for Zoom's report endpoints and too long to wait
for a connection that will not come.
"""

from __future__ import annotations

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=30.0)
DEFAULT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=20, keepalive_expiry=15
)
USER_AGENT = "hub-zoom/0.1"


def new_http_client(timeout: httpx.Timeout | float | None = None) -> httpx.AsyncClient:
    """Create the client used when the caller does not pass one."""
    return httpx.AsyncClient(
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        limits=DEFAULT_LIMITS,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )


class HttpClientHolder:
    """Use the caller's ``httpx.AsyncClient`` or lazily create (and later close) one's own."""

    def __init__(
        self, http_client: httpx.AsyncClient | None, timeout: httpx.Timeout | float | None = None
    ) -> None:
        self._client = http_client
        self._owned = http_client is None
        self._timeout = timeout

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None or (self._owned and self._client.is_closed):
            self._client = new_http_client(self._timeout)
        return self._client

    async def aclose(self) -> None:
        """Close the client only if it was created here; a shared one belongs to its owner."""
        if self._owned and self._client is not None and not self._client.is_closed:
            await self._client.aclose()
