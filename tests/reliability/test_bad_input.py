"""Bad requests to the hub's API: each is refused with a problem naming the field at fault,
the database does not change, and the server stays healthy. Then schemathesis throws
generated requests (valid and invalid) at every operation of the hub's own OpenAPI schema
and no answer may be a 5xx.

The hub under test has every shipped plugin with routes enabled (Zoom on the emulator,
the ticketing and CRM stubs), so the schema run covers their routes too.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import API_KEY, event_body, ticket_body
from tests.reliability.support import dbstate
from tests.reliability.support.live import LiveHub, live_hub
from tests.reliability.support.report import emit

PLUGINS = ["zoom", "ticketing_stub", "crm_stub"]
PROBLEM = "application/problem+json"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
JSON = {"content-type": "application/json"}


@dataclass
class Case:
    """One bad request and the field its refusal must name."""

    name: str
    path: str
    field: str
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"
    auth: bool = True
    status: int | None = None  # when one status is the only right answer


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def event_cases() -> list[Case]:
    p = "/api/v1/events/published"
    e = event_body("ev-bad")
    s = {"id": "s1", "starts_at": "2030-07-15T14:00:00+03:00", "duration_minutes": 60}
    return [
        Case("event: missing id", p, "id", without(e, "id")),
        Case("event: missing title", p, "title", without(e, "title")),
        Case("event: missing starts_at", p, "starts_at", without(e, "starts_at")),
        Case("event: missing timezone", p, "timezone", without(e, "timezone")),
        Case("event: id with spaces", p, "id", {**e, "id": "a b"}),
        Case("event: id with a slash", p, "id", {**e, "id": "../etc/passwd"}),
        Case("event: id of 129 chars", p, "id", {**e, "id": "x" * 129}),
        Case("event: id is a number", p, "id", {**e, "id": 42}),
        Case("event: empty title", p, "title", {**e, "title": ""}),
        Case("event: title of 5,000 chars", p, "title", {**e, "title": "x" * 5000}),
        Case("event: NUL in title", p, "title", {**e, "title": "bad\x00title"}),
        Case("event: escape in title", p, "title", {**e, "title": "red\x1b[31m"}),
        Case("event: newline in title", p, "title", {**e, "title": "two\nlines"}),
        Case("event: bell in description", p, "description", {**e, "description": "ding\x07"}),
        Case("event: description of 10,001", p, "description", {**e, "description": "d" * 10_001}),
        Case("event: title is a list", p, "title", {**e, "title": ["a"]}),
        Case("event: naive starts_at", p, "starts_at", {**e, "starts_at": "2030-07-15T14:00:00"}),
        Case("event: starts_at not a date", p, "starts_at", {**e, "starts_at": "tomorrow"}),
        Case("event: 31 February", p, "starts_at", {**e, "starts_at": "2030-02-31T10:00:00Z"}),
        Case("event: duration 0", p, "duration_minutes", {**e, "duration_minutes": 0}),
        Case("event: negative duration", p, "duration_minutes", {**e, "duration_minutes": -90}),
        Case(
            "event: duration of a year", p, "duration_minutes", {**e, "duration_minutes": 525_600}
        ),
        Case("event: duration 1.5", p, "duration_minutes", {**e, "duration_minutes": 1.5}),
        Case("event: duration 2**64", p, "duration_minutes", {**e, "duration_minutes": 2**64}),
        Case("event: capacity 0", p, "capacity", {**e, "capacity": 0}),
        Case("event: negative capacity", p, "capacity", {**e, "capacity": -1}),
        Case("event: capacity as text", p, "capacity", {**e, "capacity": "many"}),
        Case("event: capacity null", p, "capacity", {**e, "capacity": None}),
        Case("event: unknown timezone", p, "timezone", {**e, "timezone": "Mars/Olympus"}),
        Case("event: timezone path", p, "timezone", {**e, "timezone": "../../etc/passwd"}),
        Case("event: empty timezone", p, "timezone", {**e, "timezone": ""}),
        Case("event: unknown format", p, "format", {**e, "format": "hologram"}),
        Case("event: unknown provider", p, "video_provider", {**e, "video_provider": "teams"}),
        Case("event: instant as text", p, "instant", {**e, "instant": "yes"}),
        Case("event: unknown field", p, "colour", {**e, "colour": "red"}),
        Case("event: sessions not a list", p, "sessions", {**e, "sessions": {"id": "s1"}}),
        Case(
            "event: session without start",
            p,
            "starts_at",
            {**e, "sessions": [without(s, "starts_at")]},
        ),
        Case("event: duplicate session ids", p, "sessions", {**e, "sessions": [s, s]}),
        Case(
            "event: session duration 0",
            p,
            "duration_minutes",
            {**e, "sessions": [{**s, "duration_minutes": 0}]},
        ),
        Case(
            "event: provider_settings a list",
            p,
            "provider_settings",
            {**e, "provider_settings": [1]},
        ),
        Case(
            "event: provider_settings of 20 KB",
            p,
            "provider_settings.zoom",
            {**e, "provider_settings": {"zoom": {"agenda": "a" * 20_000}}},
        ),
        Case("event: update of an unknown event", "/api/v1/events/updated", "id", e, status=404),
        Case("cancel: missing id", "/api/v1/events/cancelled", "id", {}),
        Case(
            "cancel: unknown event", "/api/v1/events/cancelled", "id", {"id": "ev-404"}, status=404
        ),
        Case("cancel: id is an object", "/api/v1/events/cancelled", "id", {"id": {"$ne": 1}}),
    ]


def ticket_cases() -> list[Case]:
    p = "/api/v1/tickets/sold"
    t = ticket_body("t-bad", "ev-1")
    r = {"ticket_id": "t-1", "event_id": "ev-1"}
    return [
        Case("ticket: unknown event", p, "event_id", {**t, "event_id": "ev-404"}, status=404),
        Case("ticket: missing email", p, "email", without(t, "email")),
        Case("ticket: invalid email", p, "email", {**t, "email": "not-an-email"}),
        Case("ticket: email without domain", p, "email", {**t, "email": "ion@"}),
        Case("ticket: email with spaces", p, "email", {**t, "email": "ion popescu@example.com"}),
        Case("ticket: two emails", p, "email", {**t, "email": "a@example.com,b@example.com"}),
        Case("ticket: header injection", p, "email", {**t, "email": "a@example.com\r\nBcc: x@y.z"}),
        Case("ticket: email of 300 chars", p, "email", {**t, "email": "a" * 290 + "@example.com"}),
        Case("ticket: missing first name", p, "first_name", without(t, "first_name")),
        Case("ticket: empty first name", p, "first_name", {**t, "first_name": ""}),
        Case("ticket: first name of 65", p, "first_name", {**t, "first_name": "n" * 65}),
        Case("ticket: first name a number", p, "first_name", {**t, "first_name": 7}),
        Case("ticket: tab in last name", p, "last_name", {**t, "last_name": "Po\tpescu"}),
        Case("ticket: phone of 40", p, "phone", {**t, "phone": "+40" + "1" * 37}),
        Case("ticket: answers a list", p, "answers", {**t, "answers": ["a"]}),
        Case("ticket: answer of 300", p, "answers", {**t, "answers": {"why": "w" * 300}}),
        Case("ticket: NUL in answer key", p, "answers", {**t, "answers": {"k\x00": "v"}}),
        Case("ticket: missing id", p, "id", without(t, "id")),
        Case("ticket: unknown field", p, "admin", {**t, "admin": True}),
        Case(
            "refund: missing ticket_id",
            "/api/v1/tickets/refunded",
            "ticket_id",
            without(r, "ticket_id"),
        ),
        Case(
            "refund: unknown event",
            "/api/v1/tickets/refunded",
            "event_id",
            {**r, "event_id": "ev-404"},
            status=404,
        ),
        Case("refund: extra field", "/api/v1/tickets/refunded", "amount", {**r, "amount": 10}),
    ]


def deeply_nested(depth: int = 5000) -> bytes:
    """An event whose provider settings nest 5,000 lists deep (a parser stack attack)."""
    body = json.dumps({**event_body("ev-deep"), "provider_settings": {"zoom": {"x": 0}}})
    return body.replace('{"x": 0}', '{"x": ' + "[" * depth + "]" * depth + "}").encode()


def envelope_cases() -> list[Case]:
    """The request around the body: key, media type, encoding, size."""
    p = "/api/v1/tickets/sold"
    good = json.dumps(ticket_body("t-env", "ev-1")).encode()
    return [
        Case(
            "auth: no Authorization",
            p,
            "authorization",
            raw=good,
            headers=JSON,
            auth=False,
            status=401,
        ),
        Case(
            "auth: wrong key",
            p,
            "authorization",
            raw=good,
            headers={**JSON, "Authorization": "Bearer wrong-key-0123456789"},
            auth=False,
            status=401,
        ),
        Case(
            "auth: key without scheme",
            p,
            "authorization",
            raw=good,
            headers={**JSON, "Authorization": API_KEY},
            auth=False,
            status=401,
        ),
        Case(
            "auth: Basic scheme",
            p,
            "authorization",
            raw=good,
            headers={**JSON, "Authorization": f"Basic {API_KEY}"},
            auth=False,
            status=401,
        ),
        Case(
            "auth: empty bearer",
            p,
            "authorization",
            raw=good,
            headers={**JSON, "Authorization": "Bearer"},
            auth=False,
            status=401,
        ),
        Case(
            "auth: key plus suffix",
            p,
            "authorization",
            raw=good,
            headers={**JSON, "Authorization": f"Bearer {API_KEY}x"},
            auth=False,
            status=401,
        ),
        Case(
            "auth: key prefix",
            p,
            "authorization",
            raw=good,
            headers={**JSON, "Authorization": f"Bearer {API_KEY[:-1]}"},
            auth=False,
            status=401,
        ),
        Case(
            "type: text/plain",
            p,
            "content-type",
            raw=good,
            headers={"content-type": "text/plain"},
            status=415,
        ),
        Case("type: no content-type", p, "content-type", raw=good, status=415),
        Case(
            "type: form encoded",
            p,
            "content-type",
            raw=b"id=t-1&event_id=ev-1",
            headers={"content-type": "application/x-www-form-urlencoded"},
            status=415,
        ),
        Case(
            "type: multipart",
            p,
            "content-type",
            raw=b"--x\r\n\r\n--x--",
            headers={"content-type": "multipart/form-data; boundary=x"},
            status=415,
        ),
        Case(
            "type: XML",
            p,
            "content-type",
            raw=b"<ticket/>",
            headers={"content-type": "application/xml"},
            status=415,
        ),
        Case("body: empty", p, "body", raw=b"", headers=JSON),
        Case("body: truncated JSON", p, "body", raw=good[:-5], headers=JSON),
        Case("body: not JSON", p, "body", raw=b"{id: t-1}", headers=JSON),
        Case("body: null", p, "body", raw=b"null", headers=JSON),
        Case("body: a list", p, "body", raw=b"[]", headers=JSON),
        Case("body: a string", p, "body", raw=b'"ticket"', headers=JSON),
        Case("body: invalid UTF-8", p, "body", raw=b'{"id": "t-\xff"}', headers=JSON),
        Case("body: UTF-16", p, "body", raw=good.decode().encode("utf-16"), headers=JSON),
        Case("body: trailing garbage", p, "body", raw=good + b"}}", headers=JSON),
        Case(
            "body: 300 KB",
            p,
            "body",
            raw=json.dumps({**ticket_body("t-big", "ev-1"), "org": "o" * 300_000}).encode(),
            headers=JSON,
            status=413,
        ),
        Case(
            "body: 2 MB string",
            "/api/v1/events/published",
            "body",
            raw=json.dumps(event_body("ev-huge", description="d" * 2_000_000)).encode(),
            headers=JSON,
            status=413,
        ),
        Case(
            "body: deep nesting",
            "/api/v1/events/published",
            "body",
            raw=deeply_nested(),
            headers=JSON,
        ),
    ]


def plugin_cases() -> list[Case]:
    """Plugin routes that read a body themselves (no API key: browsers call them)."""
    sdk = "/zoom/sdk-signature"
    return [
        Case(
            "zoom sdk: invalid UTF-8",
            sdk,
            "body",
            raw=b'{"meetingNumber":"\xff"}',
            headers=JSON,
            auth=False,
        ),
        Case(
            "zoom sdk: deep nesting",
            sdk,
            "body",
            raw=b'{"x":' + b"[" * 5000 + b"]" * 5000 + b"}",
            headers=JSON,
            auth=False,
        ),
        Case("zoom sdk: not JSON", sdk, "body", raw=b"meetingNumber=1", headers=JSON, auth=False),
        Case(
            "zoom sdk: unknown meeting",
            sdk,
            "meetingNumber",
            {"meetingNumber": "999", "role": 0},
            auth=False,
        ),
    ]


def query_cases() -> list[Case]:
    return [
        Case(
            "query: unknown delivery state",
            "/api/v1/deliveries?state=zombie",
            "state",
            method="GET",
        ),
        Case("query: limit 0", "/api/v1/deliveries?limit=0", "limit", method="GET"),
        Case("query: limit as text", "/api/v1/deliveries?limit=all", "limit", method="GET"),
        Case(
            "query: attendance as xml",
            "/api/v1/events/ev-1/attendance?format=xml",
            "format",
            method="GET",
        ),
        Case("path: unknown event", "/api/v1/events/ev-404", "event_id", method="GET", status=404),
        Case(
            "path: unknown ticket",
            "/api/v1/events/ev-1/tickets/t-404",
            "ticket_id",
            method="GET",
            status=404,
        ),
        Case(
            "path: retry an unknown delivery",
            "/api/v1/deliveries/999999/retry",
            "delivery_id",
            status=404,
        ),
        Case(
            "path: retry delivery 2**63",
            "/api/v1/deliveries/9223372036854775808/retry",
            "delivery_id",
        ),
        Case("path: NUL in an event id", "/api/v1/events/ev%00x", "event_id", method="GET"),
        Case(
            "path: invalid UTF-8 in an event id", "/api/v1/events/ev%FF", "event_id", method="GET"
        ),
    ]


CORPUS = [*event_cases(), *ticket_cases(), *envelope_cases(), *plugin_cases(), *query_cases()]


def names_field(problem: dict[str, Any], name: str) -> tuple[bool, bool]:
    """(the problem names ``name`` at all, it names it in an ``errors[].field``)."""
    errors = problem.get("errors") or []
    fields = [str(e.get("field") or "") for e in errors if isinstance(e, dict)]
    pattern = re.compile(rf"(^|[.\[\]`'\" ]){re.escape(name)}($|[.\[\]`'\" :])")
    in_field = any(f == name or pattern.search(f) for f in fields)
    texts = [str(problem.get("detail") or "")] + [str(e.get("message") or "") for e in errors]
    return in_field or any(pattern.search(t) for t in texts), in_field


@pytest.fixture
async def hub(db_url: str) -> AsyncIterator[LiveHub]:
    async with live_hub(db_url, enabled=PLUGINS) as lh:
        assert (await lh.api.post("/api/v1/events/published", json=event_body())).status_code == 202
        sold = await lh.api.post("/api/v1/tickets/sold", json=ticket_body("t-1", "ev-1"))
        assert sold.status_code == 202, sold.text
        await lh.drain()
        yield lh


async def send(client: httpx.AsyncClient, case: Case) -> httpx.Response:
    headers = {**(AUTH if case.auth else {}), **case.headers}
    if case.raw is not None:
        return await client.request(case.method, case.path, content=case.raw, headers=headers)
    if case.body is not None:
        return await client.request(case.method, case.path, json=case.body, headers=headers)
    return await client.request(case.method, case.path, headers=headers)


async def test_bad_requests_are_refused_naming_the_field_and_change_nothing(hub: LiveHub) -> None:
    assert len(CORPUS) >= 50
    db = hub.runtime.db
    start = await dbstate.snapshot(db)
    rows: list[dict[str, Any]] = []
    failures: list[str] = []
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as client:
        for case in CORPUS:
            before = await dbstate.snapshot(db)
            response = await send(client, case)
            after = await dbstate.snapshot(db)
            healthy = (await client.get("/health")).status_code == 200
            problem: dict[str, Any] = {}
            if response.headers.get("content-type", "").startswith(PROBLEM):
                problem = response.json()
            named, in_field = names_field(problem, case.field)
            changed = dbstate.changed_rows(before, after)
            ok = (
                400 <= response.status_code < 500
                and (case.status is None or response.status_code == case.status)
                and bool(problem)
                and in_field
                and not changed
                and healthy
            )
            rows.append(
                {
                    "case": case.name,
                    "status": response.status_code,
                    "names field": "errors[].field" if in_field else ("message" if named else "NO"),
                    "rows changed": sum(changed.values()),
                    "ok": "yes" if ok else "NO",
                }
            )
            if not ok:
                failures.append(
                    f"{case.name}: {case.method} {case.path} -> {response.status_code} "
                    f"{response.headers.get('content-type')} {response.text[:300]!r} "
                    f"(wanted field {case.field!r}, status {case.status or '4xx'}; "
                    f"changed {changed}; healthy {healthy})"
                )
    await hub.drain()
    end = await dbstate.snapshot(db)
    emit(
        "bad ingest input",
        {
            "requests": len(CORPUS),
            "refused_4xx": sum(1 for r in rows if 400 <= r["status"] < 500),
            "named_in_errors_field": sum(1 for r in rows if r["names field"] == "errors[].field"),
            "named_in_message_only": sum(1 for r in rows if r["names field"] == "message"),
            "rows_changed": sum(dbstate.changed_rows(start, end).values()),
            "tables_compared": len(end),
            "failures": len(failures),
        },
        rows,
    )
    assert not failures, "\n".join(failures)
    assert dbstate.changed_rows(start, end) == {}
    assert (await hub.api.get("/health")).json() == {"status": "ok", "database": "ok"}


# --- schemathesis ------------------------------------------------------------------------

SCHEMATHESIS_EXAMPLES = 25
SCHEMATHESIS_SEED = 20261127


def schemathesis_command(url: str, junit: Path) -> list[str]:
    st = Path(sys.executable).with_name("st")
    return [
        str(st),
        "run",
        f"{url}/schema/openapi.json",
        "--header",
        f"Authorization: Bearer {API_KEY}",
        "--checks",
        "not_a_server_error",
        "--data-generation-method",
        "all",
        "--hypothesis-max-examples",
        str(SCHEMATHESIS_EXAMPLES),
        "--hypothesis-seed",
        str(SCHEMATHESIS_SEED),
        "--hypothesis-database",
        "none",
        "--hypothesis-deadline",
        "none",
        # Litestar publishes OpenAPI 3.1; schemathesis 3.x reads it behind this flag.
        "--experimental=openapi-3.1",
        "--request-timeout",
        "30000",
        "--junit-xml",
        str(junit),
        "--no-color",
    ]


@pytest.mark.slow
async def test_schemathesis_finds_no_server_error(hub: LiveHub, tmp_path: Path) -> None:
    junit = tmp_path / "schemathesis.xml"
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *schemathesis_command(hub.url, junit),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    elapsed = time.monotonic() - started
    checks = re.search(r"not_a_server_error\s+(\d+) / (\d+) passed", text)
    operations = re.search(r"Collected API operations: (\d+)", text)
    summary = re.search(r"=+ (.*(?:passed|failed|errored).*) in [\d.]+s =+", text)
    emit(
        "schemathesis",
        {
            "operations": int(operations.group(1)) if operations else None,
            "checks_passed": int(checks.group(1)) if checks else None,
            "checks_total": int(checks.group(2)) if checks else None,
            "summary": summary.group(1) if summary else None,
            "exit_code": process.returncode,
            "seconds": round(elapsed, 1),
        },
    )
    assert process.returncode == 0, text[-8000:]
    assert operations and int(operations.group(1)) >= 20, text[-3000:]
    assert (await hub.api.get("/health")).status_code == 200
