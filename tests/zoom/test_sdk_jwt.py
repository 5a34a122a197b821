"""The Meeting SDK JWT: claims as Zoom's sample issues them, decoded with pyjwt, and the
input rules of the sample endpoint."""

from __future__ import annotations

import jwt
import pytest
from hub_zoom.sdk import CLOCK_SKEW, DEFAULT_LIFETIME, sdk_jwt, validate

SECRET = "s" * 32  # Zoom client secrets are 32 characters


def test_jwt_claims_match_zoom_sample() -> None:
    token = sdk_jwt("KEY", SECRET, "85746065432", 0, lifetime=1800, now=1_900_000_000)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(
        token, SECRET, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}
    )
    iat = 1_900_000_000 - CLOCK_SKEW
    assert claims == {
        "appKey": "KEY",
        "sdkKey": "KEY",
        "mn": "85746065432",
        "role": 0,
        "iat": iat,
        "exp": iat + 1800,
        "tokenExp": iat + 1800,
    }
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "x" * 40, algorithms=["HS256"], options={"verify_exp": False})


def test_jwt_is_valid_now_with_default_lifetime() -> None:
    token = sdk_jwt("KEY", SECRET, "1", 1, video_webrtc_mode=1)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == DEFAULT_LIFETIME
    assert claims["role"] == 1 and claims["video_webrtc_mode"] == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"meetingNumber": "123", "role": 0}, []),
        ({"meetingNumber": 123, "role": "1", "expirationSeconds": "1800"}, []),
        ({"meetingNumber": "123", "role": 2}, ["role"]),
        ({"meetingNumber": "123", "role": True}, ["role"]),
        ({"meetingNumber": "123"}, ["role"]),
        ({"role": 0}, ["meetingNumber"]),
        ({"meetingNumber": "12a", "role": 0}, ["meetingNumber"]),
        ({"meetingNumber": "1", "role": 0, "expirationSeconds": 1799}, ["expirationSeconds"]),
        ({"meetingNumber": "1", "role": 0, "expirationSeconds": 172801}, ["expirationSeconds"]),
        ({"meetingNumber": "1", "role": 0, "videoWebRtcMode": 3}, ["videoWebRtcMode"]),
        ([], ["body"]),
    ],
)
def test_input_rules(body: object, fields: list[str]) -> None:
    _, errors = validate(body)
    assert [e["field"] for e in errors] == fields
