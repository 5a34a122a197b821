"""Small request/response helpers shared by the Zoom route modules.

Bodies are parsed by hand rather than by Litestar so malformed input produces Zoom's
own error bodies (code 300) instead of the framework's.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response

from .errors import invalid_json, validation_failed
from .tokens import AccessToken

TOKEN_STATE_KEY = "zoom_token"


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type="application/json;charset=UTF-8",
        headers=headers,
    )


def empty_response(status: int = 204) -> Response[bytes]:
    return Response(content=b"", status_code=status, media_type="application/json;charset=UTF-8")


async def read_json(request: Request[Any, Any, Any], required: bool = False) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise invalid_json()
        return {}
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise invalid_json() from None
    if not isinstance(value, dict):
        raise invalid_json()
    return value


def query(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items()}


def token_of(request: Request[Any, Any, Any]) -> AccessToken:
    token = request.scope["state"].get(TOKEN_STATE_KEY)
    assert isinstance(token, AccessToken), "gateway must authenticate API routes"
    return token


# ---------------------------------------------------------------------- field checks


def opt_str(body: dict[str, Any], name: str, max_length: int | None = None) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise validation_failed(name)
    if max_length is not None and len(value) > max_length:
        raise validation_failed(name, f"Length must be less than or equal to {max_length}.")
    return value


def opt_int(body: dict[str, Any], name: str, choices: tuple[int, ...] | None = None) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise validation_failed(name)
    if choices is not None and value not in choices:
        raise validation_failed(name)
    return value


def opt_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise validation_failed(name)
    return value


def req_str(body: dict[str, Any], name: str, max_length: int | None = None) -> str:
    value = opt_str(body, name, max_length)
    if not value:
        raise validation_failed(name, "This field is required.")
    return value


def check_email(value: str, field: str = "email") -> str:
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or len(value) > 128:
        raise validation_failed(field, "Invalid field.")
    return value
