"""The Zoom client's log lines, and httpx's request lines, never carry a token.

The client logs through Python's standard logging; whichever handler prints those records
(here pytest's), a token that ends up in a message (a path or URL carrying it) is masked.
"""

from __future__ import annotations

import logging

import pytest
from hub_zoom.api import RetryPolicy
from hub_zoom.api.errors import ZoomApiError

from hub.observability.redaction import MASK
from tests.zoom_api.conftest import ZoomEnv

USER = "GET /v2/users/{userId}"


async def test_a_token_in_a_logged_path_is_masked(
    zoom: ZoomEnv, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = zoom.s2s_tokens()
    client = zoom.client(tokens, retry=RetryPolicy(max_attempts=3, base_delay=0.001))
    token = await tokens.get_access_token()
    await zoom.control.faults(rules=[{"route": USER, "error_rate": 1.0, "error_status": 503}])
    # A request whose path carries the token (as a download URL's query would) fails and
    # is retried: the client logs the path, httpx logs the URL.
    with pytest.raises(ZoomApiError):
        await client.get_user(token)
    retries = [r for r in caplog.records if r.name == "hub_zoom.api.client"]
    requests = [r for r in caplog.records if r.name == "httpx" and "/v2/users/" in r.getMessage()]
    assert retries and requests, caplog.text
    assert all(MASK in r.getMessage() for r in retries + requests), caplog.text
    assert token not in caplog.text
