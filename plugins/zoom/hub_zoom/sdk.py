"""``POST /zoom/sdk-signature``: the Meeting SDK JWT for a web page embedding a meeting.

Mirrors Zoom's sample auth endpoint (``meetingsdk-auth-endpoint-sample``): the body is
``{"meetingNumber", "role", "expirationSeconds"?, "videoWebRtcMode"?}`` and the answer
``{"signature", "sdkKey"}``, where the signature is an HS256 JWT with ``appKey``,
``sdkKey``, ``mn``, ``role``, ``iat``, ``exp`` and ``tokenExp``, signed with the SDK secret
(for apps made since 2023, the client id and secret). Validation follows the sample:
role 0 or 1, lifetime 1800 to 172800 seconds (default two hours), videoWebRtcMode 0 or 1,
numeric strings accepted. ``iat`` is set 30 seconds in the past, as Zoom recommends, so a
client clock slightly behind does not see a token from the future.

Who may ask. The meeting must be one the hub created for a known event (zoom_meetings,
not deleted). Role 1 (host) requires the hub API key: a host signature lets its holder
start the meeting with the host's powers. Role 0 (attendee) is open to anyone who knows
the meeting number: it grants nothing the number does not already give, since joining
still requires the meeting's passcode, and registration when the meeting requires it (the
holder's personal join link), exactly as for Zoom's own clients.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import jwt
import msgspec
from jwt.warnings import InsecureKeyLengthWarning
from litestar import Request, Response, post
from sqlalchemy import select

from hub.api.problems import problem
from hub.context import HubContext
from hub_zoom.service import PLUGIN, ZoomService
from hub_zoom.storage import tables

MIN_LIFETIME = 1800
MAX_LIFETIME = 172_800
DEFAULT_LIFETIME = 2 * 3600
CLOCK_SKEW = 30
ROLE_ATTENDEE, ROLE_HOST = 0, 1


def sdk_jwt(
    sdk_key: str,
    sdk_secret: str,
    meeting_number: str,
    role: int,
    *,
    lifetime: int = DEFAULT_LIFETIME,
    video_webrtc_mode: int | None = None,
    now: float | None = None,
) -> str:
    iat = int(now if now is not None else time.time()) - CLOCK_SKEW
    exp = iat + lifetime
    claims: dict[str, Any] = {
        "appKey": sdk_key,
        "sdkKey": sdk_key,
        "mn": meeting_number,
        "role": role,
        "iat": iat,
        "exp": exp,
        "tokenExp": exp,
    }
    if video_webrtc_mode is not None:
        claims["video_webrtc_mode"] = video_webrtc_mode
    with warnings.catch_warnings():
        # The secret is Zoom's (client secret or SDK secret), not ours to lengthen.
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, sdk_secret, algorithm="HS256", headers={"typ": "JWT"})


def _integer(value: Any) -> int | None:
    """parseInt-like coercion of the sample: ints and digit strings, nothing else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def validate(body: Any) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Normalised input and the list of field errors (empty when valid)."""
    errors: list[dict[str, str]] = []
    if not isinstance(body, dict):
        return {}, [{"field": "body", "message": "must be a JSON object"}]
    number = body.get("meetingNumber")
    number_text = str(number).replace(" ", "") if isinstance(number, int | str) else ""
    if isinstance(number, bool) or not number_text.isdigit() or len(number_text) > 13:
        errors.append({"field": "meetingNumber", "message": "must be a Zoom meeting number"})
    role = _integer(body.get("role"))
    if role not in (ROLE_ATTENDEE, ROLE_HOST):
        errors.append({"field": "role", "message": "must be 0 (attendee) or 1 (host)"})
    lifetime: int | None = DEFAULT_LIFETIME
    if body.get("expirationSeconds") is not None:
        lifetime = _integer(body.get("expirationSeconds"))
        if lifetime is None or not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
            errors.append(
                {
                    "field": "expirationSeconds",
                    "message": f"must be between {MIN_LIFETIME} and {MAX_LIFETIME}",
                }
            )
    mode = None
    if body.get("videoWebRtcMode") is not None:
        mode = _integer(body.get("videoWebRtcMode"))
        if mode not in (0, 1):
            errors.append({"field": "videoWebRtcMode", "message": "must be 0 or 1"})
    return {"mn": number_text, "role": role, "lifetime": lifetime, "mode": mode}, errors


def _invalid(errors: list[dict[str, str]]) -> Response[Any]:
    for error in errors:  # the sample's shape, next to the hub's own
        error["property"], error["reason"] = error["field"], error["message"]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(400, detail, errors)


async def _known_meeting(hub: HubContext, meeting_number: str) -> bool:
    m = tables.meetings
    async with hub.db.connect() as conn:
        row = (
            await conn.execute(
                select(m.c.status).where(
                    m.c.meeting_id == meeting_number,
                    m.c.status.in_(("active", "created", "creating")),
                )
            )
        ).first()
    return row is not None


def routes(hub: HubContext) -> list[Any]:
    @post("/zoom/sdk-signature", status_code=200, tags=["zoom"], summary="Meeting SDK JWT")
    async def sdk_signature(request: Request[Any, Any, Any]) -> Response[Any]:
        svc: ZoomService | None = hub.state.get(PLUGIN)
        if svc is None:
            return problem(503, "the zoom plugin has not started")
        try:
            body = msgspec.json.decode(await request.body())
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            return _invalid([{"field": "body", "message": "must be valid JSON"}])
        values, errors = validate(body)
        if errors:
            return _invalid(errors)
        if values["role"] == ROLE_HOST:
            keys = request.app.state.runtime.api_keys
            if not keys.check_authorization(request.headers.get("authorization")):
                return problem(
                    401,
                    "role 1 (host) needs the hub API key (Authorization: Bearer <key>)",
                    [{"field": "role", "message": "host signatures need the hub API key"}],
                )
        if not await _known_meeting(hub, values["mn"]):
            return problem(
                404,
                "meetingNumber is not a meeting of a known event",
                [{"field": "meetingNumber", "message": "not a meeting of a known event"}],
            )
        key, secret = svc.settings.sdk_credentials
        token = sdk_jwt(
            key,
            secret,
            values["mn"],
            values["role"],
            lifetime=values["lifetime"],
            video_webrtc_mode=values["mode"],
        )
        return Response(
            content={"signature": token, "sdkKey": key},
            status_code=200,
            media_type="application/json",
        )

    return [sdk_signature]
