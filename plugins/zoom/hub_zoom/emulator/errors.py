"""Zoom's error bodies.

The REST API answers ``{"code": int, "message": str[, "errors": [...]]}``; the OAuth
token endpoint answers ``{"reason": str, "error": str}``.  Raising these exceptions
anywhere in a handler produces exactly those bodies, so the hub's error handling is
exercised against the real shapes.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec


class ZoomError(Exception):
    """An API error with Zoom's status, numeric code and message."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status}/{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = dict(headers or {})

    def body(self) -> bytes:
        payload: dict[str, object] = {"code": self.code, "message": self.message}
        if self.errors:
            payload["errors"] = self.errors
        return msgspec.json.encode(payload)


class OAuthError(Exception):
    """A token-endpoint error: ``{"reason": ..., "error": ...}``."""

    def __init__(self, reason: str, error: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
        self.status = status

    def body(self) -> bytes:
        return msgspec.json.encode({"reason": self.reason, "error": self.error})


class ControlError(Exception):
    """An error of the emulator-only control API (not a Zoom shape)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --------------------------------------------------------------------------- helpers


def validation_failed(field: str, message: str = "Invalid field.") -> ZoomError:
    return ZoomError(400, 300, "Validation Failed.", errors=[{"field": field, "message": message}])


def invalid_json() -> ZoomError:
    return ZoomError(400, 300, "Request Body should be a valid JSON object.")


def meeting_not_found(meeting_id: object, kind: str = "meeting") -> ZoomError:
    noun = "Webinar" if kind == "webinar" else "Meeting"
    return ZoomError(404, 3001, f"{noun} does not exist: {meeting_id}.")


def user_not_found(user_id: str) -> ZoomError:
    return ZoomError(404, 1001, f"User does not exist: {user_id}.")


def invalid_token(message: str = "Invalid access token.") -> ZoomError:
    return ZoomError(401, 124, message)


def bad_page_token() -> ZoomError:
    return ZoomError(400, 300, "The next page token is invalid or expired.")


def no_recording() -> ZoomError:
    return ZoomError(404, 3301, "There is no recording for this meeting.")


def endpoint_not_recognized() -> ZoomError:
    return ZoomError(404, 2300, "This API endpoint is not recognized.")
