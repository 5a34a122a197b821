"""The Zoom provider's runtime: one HTTP client, one API client per Zoom connection.

A connection is one set of credentials: the Server-to-Server app of an account (id = the
account id) or the user who authorized the user-level app (id = "user"). Every Zoom call of
the process goes through the connection's :class:`ZoomClient`, so the rate budget, token
cache and retries are shared by all deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from hub.context import HubContext
from hub.errors import ConfigError
from hub.observability.redaction import register_secret
from hub_zoom.api import ZoomClient
from hub_zoom.api.tokens import AuthorizationCodeTokens, ServerToServerTokens
from hub_zoom.settings import ZoomSettings
from hub_zoom.storage.token_store import DatabaseTokenStore

PLUGIN = "zoom"
PROVIDER = "zoom"
USER_CONNECTION = "user"


@dataclass
class Connection:
    id: str
    account_id: str | None
    tokens: Any
    client: ZoomClient
    webhook_secret: str | None


class ZoomService:
    def __init__(self, hub: HubContext, settings: ZoomSettings) -> None:
        self.hub = hub
        self.settings = settings
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(30.0, connect=10.0),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
        )
        self.store = DatabaseTokenStore(hub, settings.auth)
        self.connections: dict[str, Connection] = {}
        for secret in (settings.client_secret, settings.webhook_secret_token, settings.sdk_secret):
            register_secret(secret)
        if settings.auth == "server_to_server":
            assert settings.account_id is not None
            self._add_s2s(
                settings.account_id,
                settings.client_id,
                settings.client_secret,
                settings.webhook_secret_token,
            )
            self.primary_id = settings.account_id
        else:
            assert settings.redirect_uri is not None
            tokens = AuthorizationCodeTokens(
                settings.oauth_base_url,
                settings.client_id,
                settings.client_secret,
                settings.redirect_uri,
                self.store,
                USER_CONNECTION,
                http_client=self.http,
            )
            self.connections[USER_CONNECTION] = Connection(
                USER_CONNECTION,
                settings.account_id,
                tokens,
                self._client(tokens),
                settings.webhook_secret_token,
            )
            self.primary_id = USER_CONNECTION
        for account in settings.accounts:
            register_secret(account.client_secret)
            register_secret(account.webhook_secret_token)
            self._add_s2s(
                account.account_id,
                account.client_id,
                account.client_secret,
                account.webhook_secret_token or settings.webhook_secret_token,
            )

    def _add_s2s(
        self, account_id: str, client_id: str, client_secret: str, webhook_secret: str | None
    ) -> None:
        if account_id in self.connections:
            raise ConfigError(f"[plugins.zoom] account {account_id!r} is configured twice")
        tokens = ServerToServerTokens(
            self.settings.oauth_base_url,
            account_id,
            client_id,
            client_secret,
            self.store,
            account_id,
            http_client=self.http,
        )
        self.connections[account_id] = Connection(
            account_id, account_id, tokens, self._client(tokens), webhook_secret
        )

    def _client(self, tokens: Any) -> ZoomClient:
        client = ZoomClient(
            self.settings.api_base_url, tokens, self.settings.plan, http_client=self.http
        )
        # Zoom's limits are the account's: processes sharing this database share them.
        key = client.limiter.key
        if key is not None:
            client.limiter.share_with(self.hub.budgets.join(f"zoom:{key}"))
        return client

    @property
    def primary(self) -> Connection:
        return self.connections[self.primary_id]

    def connection(self, connection_id: str | None = None) -> Connection:
        return self.connections[connection_id or self.primary_id]

    def client(self, connection_id: str | None = None) -> ZoomClient:
        return self.connection(connection_id).client

    def for_account(self, account_id: str | None) -> Connection | None:
        """The connection a webhook belongs to, by its payload's account_id."""
        if account_id is None:
            return self.primary if len(self.connections) == 1 else None
        for connection in self.connections.values():
            if connection.account_id == account_id:
                return connection
        # A user-level app may not know its account id until users/me was read.
        if self.settings.auth == "authorization_code" and len(self.connections) == 1:
            return self.primary
        return None

    def webhook_secrets(self) -> list[str]:
        return [c.webhook_secret for c in self.connections.values() if c.webhook_secret]

    async def aclose(self) -> None:
        await self.http.aclose()


def service(hub: HubContext) -> ZoomService:
    """The running service (created by ``hub_startup``)."""
    svc = hub.state.get(PLUGIN)
    if svc is None:
        raise RuntimeError("the zoom plugin has not started")
    return svc
