"""No secret at rest in clear, none in the logs, and OAuth states that cannot be replayed.

Two full runs against the emulator share one database: a Server-to-Server app (meetings,
registrants, a forced token expiry, webhooks, attendance, a recording downloaded, SDK
signatures) and a user-authorized app (consent, callback, a forced refresh that rotates
the refresh token). Every secret the runs touched is then searched for in the raw bytes
of the database (the SQLite file with its WAL, or a full dump of every PostgreSQL table)
and in everything logged: the hub's JSON log at debug level, Python's standard logging (the Zoom
plugin's loggers at debug, libraries such as httpx at info: every request the hub sends is
logged with its URL), and the process's stdout/stderr.

Controls make a zero meaningful: the scan must find plain data that is stored in clear
(an attendee's email), the log must hold the hub's request lines and its token requests,
and each run must have obtained more than one access token.
"""

from __future__ import annotations

import io
import logging
import secrets as random_secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from hub_zoom.emulator.scheduling import start_url
from hub_zoom.lifecycle import oauth_states
from hub_zoom.recordings.download import download_event
from hub_zoom.storage import tables as zoom_tables

from tests.conftest import API_KEY, SECRET_KEY, event_body, ticket_body
from tests.reliability.support.live import LiveHub, live_hub
from tests.reliability.support.report import emit
from tests.reliability.support.secrets import Secret, database_bytes, scan
from tests.zoom.conftest import USER_OAUTH_REDIRECT, connect_user, consent

SECOND_API_KEY = "second-key-abcdefgh"  # tests/conftest.py sets both keys


class Collected:
    """The secrets of both runs, gathered from the emulator (which issued them)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Secret] = {}

    def add(self, kind: str, value: str | None, client_id: str | None = None) -> None:
        if value:
            self.items[(kind, value)] = Secret(kind, value, client_id)

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.items if k == kind)

    def from_emulator(self, lh: LiveHub) -> None:
        tokens = lh.zoom.state.tokens
        for value in tokens.access:
            self.add("access token", value)
        for value in tokens.refresh:
            self.add("refresh token", value)
        for value in tokens.codes:
            self.add("authorization code", value)
        for value in lh.zoom.state.download_tokens:
            self.add("recording download token", value)
        for meeting in lh.zoom.state.meetings.values():
            self.add("host start URL", start_url(lh.zoom.state, meeting))


class NotTheTestsOwnRequests(logging.Filter):
    """Drops httpx's lines for requests this test sends (as a browser, a ticketing platform or
    the emulator's operator), which go to the hub's port or the emulator's control and
    consent pages; the hub's own requests (Zoom's API, token and download endpoints) stay."""

    def __init__(self) -> None:
        super().__init__()
        self.test_origins: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "httpx":
            return True
        message = record.getMessage()
        if "/_emulator/" in message or "/oauth/authorize?" in message:
            return False
        return not any(f"{origin}/" in message for origin in self.test_origins)


TEST_REQUESTS = NotTheTestsOwnRequests()


@contextmanager
def captured_stdlib_logs(stream: io.TextIOBase) -> Iterator[None]:
    """Python's standard logging into ``stream``: the Zoom plugin's loggers at DEBUG, the
    libraries at INFO (the hub configures only structlog, so the Zoom API client's and
    httpx's records would otherwise go unseen)."""
    handler = logging.StreamHandler(stream)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    handler.addFilter(TEST_REQUESTS)
    root, plugin = logging.getLogger(), logging.getLogger("hub_zoom")
    previous = root.level, plugin.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)  # libraries at INFO: httpx logs every request line there
    plugin.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous[0])
        plugin.setLevel(previous[1])


async def server_to_server_run(lh: LiveHub, out: Path) -> dict[str, Any]:
    api = lh.api
    assert (
        await api.post("/api/v1/events/published", json=event_body("ev-s2s"))
    ).status_code == 202
    for i in range(12):
        body = ticket_body(f"t-{i}", "ev-s2s")
        assert (await api.post("/api/v1/tickets/sold", json=body)).status_code == 202
    await lh.drain()
    # Every token Zoom issued expires now: the next calls are refused and a new one is fetched.
    await api.post(f"{lh.zoom.control_url}/tokens/expire")
    for i in range(12, 15):
        body = ticket_body(f"t-{i}", "ev-s2s")
        assert (await api.post("/api/v1/tickets/sold", json=body)).status_code == 202
    for i in range(2):
        refund = {"ticket_id": f"t-{i}", "event_id": "ev-s2s"}
        assert (await api.post("/api/v1/tickets/refunded", json=refund)).status_code == 202
    moved = ticket_body("t-5", "ev-s2s", email="moved-5@example.com")
    assert (await api.post("/api/v1/tickets/sold", json=moved)).status_code == 202
    await lh.drain()

    event = (await api.get("/api/v1/events/ev-s2s")).json()
    meeting_id = event["meeting"]["meeting_id"]
    ticket = (await api.get("/api/v1/events/ev-s2s/tickets/t-7")).json()
    registrant = ticket["registration"]["registrant_id"]
    steps = [
        {"action": "start"},
        {"action": "join", "registrant_id": registrant, "offset_seconds": 60},
        {"action": "leave", "registrant_id": registrant, "offset_seconds": 1500},
        {"action": "end", "offset_seconds": 1800},
        {"action": "recording"},
        {"action": "transcript"},
    ]
    simulated = await api.post(
        f"{lh.zoom.control_url}/simulate",
        json={"meeting_id": meeting_id, "steps": steps, "wait_for_webhooks": True},
    )
    assert simulated.status_code == 200, simulated.text
    for _ in range(3):
        await lh.zoom.state.webhooks.drain(60)
        await lh.drain()
    recordings = (await api.get("/api/v1/events/ev-s2s/recordings")).json()["recordings"]
    downloaded = await download_event(lh.runtime.hub, "ev-s2s", out)
    attendance = (await api.get("/api/v1/events/ev-s2s/attendance")).json()
    validation = await api.post(f"{lh.zoom.control_url}/webhooks/url-validation", json={})
    signature = await api.post(
        "/zoom/sdk-signature", json={"meetingNumber": str(meeting_id), "role": 1}
    )
    status = (await api.get("/zoom/connection-status")).json()
    assert recordings and len(downloaded) == 3
    assert attendance["records"], attendance
    assert validation.json()["valid"] is True
    assert signature.status_code == 200, signature.text
    assert status["status"] == "connected"
    return {"meeting_id": meeting_id, "recording_files": len(downloaded)}


async def oauth_state_checks(lh: LiveHub) -> list[dict[str, Any]]:
    """Each way of misusing the callback's state, and what the hub answered."""
    rows: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=lh.url) as browser:  # a browser: no API key

        async def callback(case: str, query: dict[str, str], want: int) -> None:
            response = await browser.get("/zoom/oauth/callback", params=query)
            rows.append({"case": case, "status": response.status_code, "expected": want})

        await callback("unknown state", {"code": "x", "state": random_secrets.token_urlsafe()}, 400)
        await callback("no state", {"code": "x"}, 400)
        await callback("empty state", {"code": "x", "state": ""}, 400)

        granted = await consent(lh)  # type: ignore[arg-type]
        await callback("valid state (control)", granted, 200)
        await callback("the same state again", granted, 400)

        # A state that expired between the redirect to Zoom and the callback.
        start = await browser.get("/zoom/oauth/authorize")
        state = dict(parse_qsl(urlsplit(start.headers["location"]).query))["state"]
        t = zoom_tables.oauth_states
        async with lh.runtime.db.transaction() as conn:
            await conn.execute(
                sa.update(t)
                .where(t.c.state_hash == oauth_states.state_hash(state))
                .values(expires_at=time.time() - 1)
            )
        granted_late = await browser.get(start.headers["location"])
        late = dict(parse_qsl(urlsplit(granted_late.headers["location"]).query))
        await callback("expired state", late, 400)

        # A state Zoom sends back for a code issued to another authorization.
        other = await consent(lh)  # type: ignore[arg-type]
        crossed = {"code": other["code"], "state": granted["state"]}
        await callback("used state with a fresh code", crossed, 400)
    return rows


async def user_oauth_run(lh: LiveHub) -> dict[str, Any]:
    states = await oauth_state_checks(lh)
    await connect_user(lh)  # type: ignore[arg-type]
    api = lh.api
    assert (
        await api.post("/api/v1/events/published", json=event_body("ev-user"))
    ).status_code == 202
    for i in range(4):
        body = ticket_body(f"u-{i}", "ev-user")
        assert (await api.post("/api/v1/tickets/sold", json=body)).status_code == 202
    await lh.drain()
    before = lh.zoom.state.stats.refreshes
    await api.post(f"{lh.zoom.control_url}/tokens/expire")
    for i in range(4, 6):
        body = ticket_body(f"u-{i}", "ev-user")
        assert (await api.post("/api/v1/tickets/sold", json=body)).status_code == 202
    await lh.drain()
    status = (await api.get("/zoom/connection-status")).json()
    assert status["status"] == "connected"
    return {"states": states, "refreshes": lh.zoom.state.stats.refreshes - before}


async def test_no_secret_in_the_database_or_the_logs(
    db_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    s2s_secret = "s2s-client-secret-" + random_secrets.token_hex(12)
    user_secret = "user-client-secret-" + random_secrets.token_hex(12)
    webhook_secret = "webhook-secret-" + random_secrets.token_hex(12)
    sdk_secret = "sdk-secret-" + random_secrets.token_hex(12)
    found = Collected()
    log_path = tmp_path / "hub.log"
    with log_path.open("w", buffering=1) as log, captured_stdlib_logs(log):
        async with live_hub(
            db_url,
            zoom_overrides={
                "client_secret": s2s_secret,
                "sdk_key": "sdk-key-for-the-scan",
                "sdk_secret": sdk_secret,
            },
            emulator_overrides={"client_secret": s2s_secret, "client_id": "s2s-client"},
            log_stream=log,
            log_level="debug",
            webhook_secret=webhook_secret,
        ) as lh:
            TEST_REQUESTS.test_origins.append(lh.url)
            s2s = await server_to_server_run(lh, tmp_path / "recordings")
            found.from_emulator(lh)
            s2s_tokens = found.count("access token")
            found.add("client secret", s2s_secret, lh.zoom.config.client_id)
        async with live_hub(
            db_url,
            zoom_overrides={
                "auth": "authorization_code",
                "redirect_uri": USER_OAUTH_REDIRECT,
                "client_secret": user_secret,
                "client_id": "user-client",
            },
            emulator_overrides={"client_secret": user_secret, "client_id": "user-client"},
            log_stream=log,
            log_level="debug",
            webhook_secret=webhook_secret,
        ) as lh:
            TEST_REQUESTS.test_origins.append(lh.url)
            user = await user_oauth_run(lh)
            found.from_emulator(lh)
            found.add("client secret", user_secret, "user-client")
            at_rest = await database_bytes(lh.runtime.db, db_url)
    at_rest_closed = await database_bytes_after_close(lh, db_url)
    captured = capfd.readouterr()

    found.add("webhook secret", webhook_secret)
    found.add("sdk secret", sdk_secret)
    found.add("API key", API_KEY)
    found.add("API key", SECOND_API_KEY)
    found.add("HUB_SECRET_KEY", SECRET_KEY)
    log_bytes = log_path.read_bytes()
    haystacks = {
        **at_rest,
        **{f"{k} (closed)": v for k, v in at_rest_closed.items()},
        "log (JSON + stdlib)": log_bytes,
        "stdout+stderr": (captured.out + captured.err).encode(),
    }
    hits = scan(haystacks, found.items.values())

    kinds = sorted({s.kind for s in found.items.values()})
    rows = []
    for kind in kinds:
        values = sum(1 for k, _ in found.items if k == kind)
        in_db = sum(n for (k, where), n in hits.items() if k == kind and where.startswith("db:"))
        in_logs = sum(
            n for (k, where), n in hits.items() if k == kind and not where.startswith("db:")
        )
        rows.append(
            {"secret": kind, "values": values, "hits in database": in_db, "hits in logs": in_logs}
        )
    control_email = b"t-7@example.com"
    controls = {
        "db_bytes": sum(len(v) for k, v in haystacks.items() if k.startswith("db:")),
        "plain_email_found_in_db": any(control_email in v for k, v in at_rest.items()),
        "log_lines": log_bytes.count(b"\n"),
        "hub_json_log_lines": log_bytes.count(b'"event": '),
        "token_requests_logged": log_bytes.count(b"/oauth/token"),
        "s2s_access_tokens": s2s_tokens,
        "user_refreshes": user["refreshes"],
        "recording_files": s2s["recording_files"],
    }
    emit(
        "secrets",
        {"secrets_searched": len(found.items), "hits": sum(hits.values()), **controls},
        rows,
    )
    emit("oauth state", {"cases": len(user["states"])}, user["states"])

    leaks = {key: n for key, n in hits.items() if n}
    assert not leaks, leaks
    for row in user["states"]:
        assert row["status"] == row["expected"], row
    # The controls: without them a zero could mean the search looked at nothing.
    assert controls["plain_email_found_in_db"]
    assert controls["log_lines"] >= 100 and controls["hub_json_log_lines"] >= 50
    assert controls["token_requests_logged"] >= 3
    assert s2s_tokens >= 2 and found.count("refresh token") >= 2
    assert found.count("authorization code") >= 2
    assert found.count("recording download token") >= 1
    assert user["refreshes"] >= 1


async def database_bytes_after_close(lh: LiveHub, db_url: str) -> dict[str, bytes]:
    """After the hub closed its connections (SQLite checkpoints the WAL into the file)."""
    if not lh.runtime.db.is_sqlite:
        return {}
    return await database_bytes(lh.runtime.db, db_url)
