"""HTTP routes of the Zoom lifecycle: connection management and event repairs."""

from __future__ import annotations

from typing import Any

from hub.context import HubContext
from hub_zoom.lifecycle.admin_routes import admin_routes
from hub_zoom.lifecycle.oauth_routes import oauth_routes


def routes(hub: HubContext) -> list[Any]:
    return [*oauth_routes(hub), *admin_routes(hub)]
