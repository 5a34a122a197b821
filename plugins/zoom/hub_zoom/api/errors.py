"""Typed errors for Zoom API and OAuth failures.

Zoom reports failures as ``{"code": <int>, "message": "..."}`` where the numeric code, not the
HTTP status, says what went wrong (3001 "does not exist" is a 404, 3027 "host cannot register"
is a 400). Callers need to branch on meaning (drop a registration for a deleted meeting, skip
the host, retry later) without parsing messages, so every failure becomes one class below.

Every error carries ``retryable`` and, where known, ``retry_after_seconds``. The Zoom provider
plugin turns them into the hub's ``RetryLater`` (retryable) or ``PermanentFailure`` (not
retryable) without knowing Zoom's codes. Messages never contain access tokens, refresh tokens
or client secrets: they are built only from Zoom's ``code``/``message``/``reason`` fields and
from the request method and path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar


class ZoomApiError(Exception):
    """Base class of every error raised by :mod:`hub_zoom.api`.

    ``status`` is the HTTP status (None when no response arrived), ``code`` Zoom's numeric
    error code (None when the body had none), ``message`` Zoom's text. ``errors`` holds
    Zoom's per-field validation details when present.
    """

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        status: int | None,
        code: int | None,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
        retry_after_seconds: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        self.errors: list[dict[str, Any]] = [dict(e) for e in errors]
        self.retry_after_seconds = retry_after_seconds
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"{self.method} {self.path}: " if self.method and self.path else ""
        status = f"HTTP {self.status}" if self.status is not None else "no response"
        code = f", code {self.code}" if self.code is not None else ""
        text = f"{where}{status}{code}: {self.message}"
        if self.errors:
            fields = "; ".join(
                f"{e.get('field', '?')}: {e.get('message', '')}".strip() for e in self.errors
            )
            text = f"{text} ({fields})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r})"
        )


class ZoomNotFound(ZoomApiError):
    """The meeting, webinar, user, registrant or recording does not exist (3001, 1001, 3301, 3079).

    Not retryable: the object was deleted on Zoom (or never existed); the hub should mark its
    side as gone rather than retry.
    """


class ZoomHostCannotRegister(ZoomApiError):
    """3027: the host (or an alternative host) cannot be a registrant of their own meeting."""


class ZoomCapacityReached(ZoomApiError):
    """3043 (meeting) / 3035 (webinar): registration is full."""


class ZoomMeetingOver(ZoomApiError):
    """3038: the meeting or webinar is over; registering for it can never succeed."""


class ZoomValidationError(ZoomApiError):
    """300 (and 303): a parameter or body field was rejected; ``errors`` lists the fields."""


class ZoomPermissionError(ZoomApiError):
    """200, 3161 or HTTP 403: the account, plan or user may not do this (e.g. no webinar plan)."""


class ZoomAuthError(ZoomApiError):
    """The credentials or the access token were refused even after one forced refresh.

    Raised for code 124 after the client already refreshed once, and by the token endpoint
    for a wrong client id/secret or account id (``error`` holds the OAuth error string). A
    human has to fix the app configuration, so it is not retryable.
    """

    def __init__(
        self,
        status: int | None,
        code: int | None,
        message: str,
        *,
        error: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.error = error
        super().__init__(status, code, message, **kwargs)


class ReauthorizationRequired(ZoomAuthError):
    """The user's authorization is gone: the connection must be re-authorized by the user.

    Raised when the refresh token is rejected ("Invalid Token!": revoked, rotated by someone
    else, or expired), when no token was ever stored for the connection, or when a stored
    token has no refresh token. Retrying cannot help until the user goes through the OAuth
    consent again.
    """

    def __init__(
        self,
        connection_id: str,
        message: str = "the Zoom connection must be re-authorized",
        *,
        status: int | None = None,
        error: str | None = None,
    ) -> None:
        self.connection_id = connection_id
        super().__init__(status, None, f"{message} (connection {connection_id!r})", error=error)


class ZoomMissingScopes(ZoomApiError):
    """4700/4711 "does not contain scopes": the app lacks a scope; ``scopes`` lists them."""

    def __init__(self, *args: Any, scopes: Sequence[str] = (), **kwargs: Any) -> None:
        self.scopes = tuple(scopes)
        super().__init__(*args, **kwargs)


class ZoomRateLimited(ZoomApiError):
    """429 per-second limit still hit after the bounded in-place retries; retry soon."""

    retryable: ClassVar[bool] = True


class ZoomDailyLimit(ZoomRateLimited):
    """A daily quota is used up; nothing in that quota works again until ``retry_at``.

    ``scope`` says whose quota: ``"account"`` (the category's daily limit, shared by every
    request of the Zoom account), ``"user"`` (100 meeting create/update per host per day) or
    ``"registrant"`` (3 registrations / 10 status changes per registrant per day).
    ``source`` is ``"zoom"`` for a 429 from Zoom, ``"client"`` when this process refused
    to spend the last of a known budget. ``retry_after_seconds`` is computed when raised.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_at: datetime,
        scope: str = "account",
        source: str = "zoom",
        category: str | None = None,
        status: int | None = 429,
        code: int | None = 429,
        now: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        self.retry_at = retry_at
        self.scope = scope
        self.source = source
        self.category = category
        current = now or datetime.now(UTC)
        wait = max(0.0, (retry_at - current).total_seconds())
        super().__init__(status, code, message, retry_after_seconds=wait, **kwargs)


class ZoomUnavailable(ZoomApiError):
    """Zoom could not be reached or kept failing (5xx, timeouts, resets) after the retries.

    Retryable later. ``outcome_unknown`` is True when the last attempt of a request that is
    not safe to repeat (creating a meeting) may have been applied by Zoom anyway: the caller
    should look the object up before creating it again.
    """

    retryable: ClassVar[bool] = True

    def __init__(self, *args: Any, outcome_unknown: bool = False, **kwargs: Any) -> None:
        self.outcome_unknown = outcome_unknown
        super().__init__(*args, **kwargs)


class ZoomPaginationError(ZoomApiError):
    """A listing ended with fewer items than Zoom's ``total_records`` or looped on a token.

    Raised instead of returning a silently truncated list (an attendance report missing
    pages looks like no-shows). Retryable: the next attempt starts a fresh listing.
    """

    retryable: ClassVar[bool] = True


# --- mapping Zoom responses to classes ------------------------------------------------------

_BY_CODE: dict[int, type[ZoomApiError]] = {
    3001: ZoomNotFound,
    1001: ZoomNotFound,
    3301: ZoomNotFound,
    3079: ZoomNotFound,
    3027: ZoomHostCannotRegister,
    3043: ZoomCapacityReached,
    3035: ZoomCapacityReached,
    3038: ZoomMeetingOver,
    300: ZoomValidationError,
    303: ZoomValidationError,
    200: ZoomPermissionError,
    3161: ZoomPermissionError,
    124: ZoomAuthError,
}

_BY_STATUS: dict[int, type[ZoomApiError]] = {
    401: ZoomAuthError,
    403: ZoomPermissionError,
    404: ZoomNotFound,
    422: ZoomValidationError,
}

_SCOPES_RE = re.compile(r"does not contain scopes?\s*:?\s*\[([^\]]*)\]", re.IGNORECASE)

INVALID_TOKEN_CODES = frozenset({124})
"""Codes meaning "this access token is not (or no longer) valid": refresh once and retry."""


def missing_scopes(message: str) -> list[str] | None:
    """Return the scopes named in a "does not contain scopes:[...]" message, else None."""
    match = _SCOPES_RE.search(message)
    if match is None:
        return None
    return [s.strip() for s in match.group(1).split(",") if s.strip()]


def is_invalid_token(status: int, body: Mapping[str, Any]) -> bool:
    """True when Zoom rejected the access token itself (401, or code 124 under any status).

    A missing-scope answer (4700/4711 "does not contain scopes") is excluded: a fresh token
    carries the same scopes, so refreshing would only waste a token grant.
    """
    code = body.get("code")
    message = str(body.get("message", ""))
    if missing_scopes(message) is not None:
        return False
    return status == 401 or code in INVALID_TOKEN_CODES


def error_from_response(
    status: int,
    body: Mapping[str, Any],
    *,
    method: str | None = None,
    path: str | None = None,
) -> ZoomApiError:
    """Build the typed error for a non-2xx, non-429 Zoom response.

    The Zoom code wins over the HTTP status, because Zoom reuses 400 for very different
    outcomes; the status is the fallback for bodies without a known code.
    """
    raw_code = body.get("code")
    code = raw_code if isinstance(raw_code, int) else _int_or_none(raw_code)
    message = str(body.get("message") or body.get("reason") or f"HTTP {status}")
    errors = body.get("errors")
    field_errors = [e for e in errors if isinstance(e, Mapping)] if isinstance(errors, list) else []
    kwargs: dict[str, Any] = {"method": method, "path": path, "errors": field_errors}

    scopes = missing_scopes(message)
    if scopes is not None or (code in (4700, 4711) and "scope" in message.lower()):
        return ZoomMissingScopes(status, code, message, scopes=scopes or (), **kwargs)
    if status >= 500:
        return ZoomUnavailable(status, code, message, **kwargs)
    cls = _BY_CODE.get(code) if code is not None else None
    if cls is None:
        cls = _BY_STATUS.get(status, ZoomApiError)
    return cls(status, code, message, **kwargs)


def next_utc_midnight(now: datetime | None = None) -> datetime:
    """Zoom resets daily quotas at 00:00 UTC; return the next such instant after ``now``."""
    current = (now or datetime.now(UTC)).astimezone(UTC)
    tomorrow = current.date() + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=UTC)


def _int_or_none(value: object) -> int | None:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None
