"""RFC 9457 problem responses: every client error names the field at fault."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from hub.observability.logging import get_logger

PROBLEM_MEDIA_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
log = get_logger("hub.api")


class ApiProblem(HTTPException):
    """Raised by handlers; ``field`` is the JSON path of the offending input, if any."""

    def __init__(self, status: int, detail: str, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail=detail, status_code=status)
        self.field = field
        self.extra_members = extra


def problem(
    status: int, detail: str, errors: list[dict[str, Any]] | None = None, **extra: Any
) -> Response[Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


# msgspec names a missing or unknown key only in its message, and Litestar reports the error
# at the enclosing object ("data" for the body itself): the field is the key in the message.
_KEY_IN_MESSAGE = re.compile(r"^Object (?:missing required|contains unknown) field `([^`]+)`")


def _field_of(key: Any, message: Any = None) -> str | None:
    named = _KEY_IN_MESSAGE.match(str(message or ""))
    if named:
        parent = "" if key in (None, "", "data") else f"{key}."
        return f"{parent}{named.group(1)}"
    if key in (None, ""):
        return None
    return str(key)


def http_exception_handler(_request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ApiProblem):
        errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
        return problem(exc.status_code, exc.detail, errors, **exc.extra_members)
    errors = []
    if exc.status_code == 413:
        errors.append({"field": "body", "message": "the body is larger than this server accepts"})
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        for item in exc.extra:
            if isinstance(item, dict):
                errors.append(
                    {
                        "field": _field_of(item.get("key"), item.get("message")),
                        "message": item.get("message"),
                    }
                )
    detail = exc.detail
    if errors:
        detail = "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] else str(e["message"]) for e in errors
        )
    return problem(exc.status_code, detail, errors or None)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error", path=request.url.path)
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "internal error; see the hub's log")
