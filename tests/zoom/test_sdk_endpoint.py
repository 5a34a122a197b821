"""POST /zoom/sdk-signature over HTTP: attendee signatures for known meetings, host
signatures only with the hub API key, input errors naming the field."""

from __future__ import annotations

import httpx
import jwt
import pytest

from tests.zoom.conftest import publish_with_tickets, zoom_hub


# The emulator's client secret is shorter than pyjwt would like; Zoom's are 32 characters.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_sdk_signature_endpoint(db_url: str) -> None:
    async with zoom_hub(db_url) as zh:
        meeting_id, _ = await publish_with_tickets(zh, "ev-sdk", 0, format="meeting")
        key, secret = zh.zoom.config.client_id, zh.zoom.config.client_secret
        async with httpx.AsyncClient(base_url=zh.url) as anonymous:
            attendee = await anonymous.post(
                "/zoom/sdk-signature",
                json={"meetingNumber": meeting_id, "role": 0, "expirationSeconds": 3600},
            )
            assert attendee.status_code == 200, attendee.text
            assert attendee.json()["sdkKey"] == key
            claims = jwt.decode(attendee.json()["signature"], secret, algorithms=["HS256"])
            assert (claims["mn"], claims["role"], claims["appKey"]) == (meeting_id, 0, key)
            assert claims["exp"] - claims["iat"] == 3600 == claims["tokenExp"] - claims["iat"]

            host = await anonymous.post(
                "/zoom/sdk-signature", json={"meetingNumber": meeting_id, "role": 1}
            )
            assert host.status_code == 401
            assert host.json()["errors"][0]["field"] == "role"

            unknown = await anonymous.post(
                "/zoom/sdk-signature", json={"meetingNumber": "12345678901", "role": 0}
            )
            assert unknown.status_code == 404
            assert unknown.json()["errors"][0]["field"] == "meetingNumber"

            invalid = await anonymous.post(
                "/zoom/sdk-signature",
                json={"meetingNumber": meeting_id, "role": 5, "expirationSeconds": 60},
            )
            assert invalid.status_code == 400
            fields = [(e["field"], e["property"]) for e in invalid.json()["errors"]]
            assert fields == [("role", "role"), ("expirationSeconds", "expirationSeconds")]
            assert (await anonymous.post("/zoom/sdk-signature", content=b"{")).status_code == 400

        host = await zh.api.post(
            "/zoom/sdk-signature", json={"meetingNumber": meeting_id, "role": "1"}
        )
        assert host.status_code == 200
        claims = jwt.decode(host.json()["signature"], secret, algorithms=["HS256"])
        assert claims["role"] == 1
