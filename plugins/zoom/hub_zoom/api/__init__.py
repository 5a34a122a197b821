"""Resilient Zoom REST API client used by the Zoom provider plugin.

The pieces, each in its own module:

* :mod:`~hub_zoom.api.client`: :class:`ZoomClient`, the single request path (budget,
  auth, retries, error mapping) plus typed convenience methods from
  :mod:`~hub_zoom.api.endpoints`.
* :mod:`~hub_zoom.api.tokens`: :class:`ServerToServerTokens` and
  :class:`AuthorizationCodeTokens`, refreshed ahead of expiry and single-flight per
  connection through a :class:`TokenStore`.
* :mod:`~hub_zoom.api.oauth`: authorize URL with PKCE, token endpoint, revocation.
* :mod:`~hub_zoom.api.ratelimit`: the per-category budget sized from the account's plan.
* :mod:`~hub_zoom.api.pagination`: next_page_token listings that never truncate silently.
* :mod:`~hub_zoom.api.errors`: typed errors with ``retryable`` / ``retry_after_seconds``.
"""

from hub_zoom.api.client import DEFAULT_API_BASE_URL, ZoomClient
from hub_zoom.api.errors import (
    ReauthorizationRequired,
    ZoomApiError,
    ZoomAuthError,
    ZoomCapacityReached,
    ZoomDailyLimit,
    ZoomHostCannotRegister,
    ZoomMeetingOver,
    ZoomMissingScopes,
    ZoomNotFound,
    ZoomPaginationError,
    ZoomPermissionError,
    ZoomRateLimited,
    ZoomUnavailable,
    ZoomValidationError,
)
from hub_zoom.api.metrics import ClientMetrics
from hub_zoom.api.oauth import DEFAULT_OAUTH_BASE_URL, AuthorizationRequest, code_challenge
from hub_zoom.api.paths import encode_uuid, segment
from hub_zoom.api.ratelimit import (
    CATEGORIES,
    PLAN_LIMITS,
    Category,
    CategoryLimit,
    Plan,
    PlanLimits,
    RateLimiter,
)
from hub_zoom.api.retry import RetryPolicy
from hub_zoom.api.secret import Secret
from hub_zoom.api.tokens import (
    AuthorizationCodeTokens,
    MemoryTokenStore,
    ServerToServerTokens,
    StoredToken,
    TokenProvider,
    TokenStore,
)

__all__ = [
    "CATEGORIES",
    "DEFAULT_API_BASE_URL",
    "DEFAULT_OAUTH_BASE_URL",
    "PLAN_LIMITS",
    "AuthorizationCodeTokens",
    "AuthorizationRequest",
    "Category",
    "CategoryLimit",
    "ClientMetrics",
    "MemoryTokenStore",
    "Plan",
    "PlanLimits",
    "RateLimiter",
    "ReauthorizationRequired",
    "RetryPolicy",
    "Secret",
    "ServerToServerTokens",
    "StoredToken",
    "TokenProvider",
    "TokenStore",
    "ZoomApiError",
    "ZoomAuthError",
    "ZoomCapacityReached",
    "ZoomClient",
    "ZoomDailyLimit",
    "ZoomHostCannotRegister",
    "ZoomMeetingOver",
    "ZoomMissingScopes",
    "ZoomNotFound",
    "ZoomPaginationError",
    "ZoomPermissionError",
    "ZoomRateLimited",
    "ZoomUnavailable",
    "ZoomValidationError",
    "code_challenge",
    "encode_uuid",
    "segment",
]
