"""Faithfulness against Zoom's own OpenAPI documents.

Every ``/v2`` route of the emulator is exercised; each response is validated against
the response schema of the matching operation (same method and path) in the Meetings
or Users spec, each accepted request body against the operation's request schema, and
every status code must be one the operation documents.  Rate-limit labels of the
emulator's routes must equal the "Rate Limit Label" in the operation descriptions.

The spec files are read from ``../shared/reference/zoom-openapi`` next to the
repository and never copied into it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator, FormatChecker

ZoomClient = Any  # fixtures from conftest.py
ZoomFactory = Any

MEETINGS_SPEC = "zoom-meetings-api.ballerina-2025-06.openapi.json"
USERS_SPEC = "zoom-users-api.endpoints.json"


@cache
def load(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text())  # type: ignore[no-any-return]


@pytest.fixture
def specs(reference_dir: Any) -> dict[str, dict[str, Any]]:
    folder = reference_dir("zoom-openapi")
    return {
        "meetings": load(str(folder / MEETINGS_SPEC)),
        "users": load(str(folder / USERS_SPEC)),
    }


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(_date_time)


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    request: Any
    response: Any


class Recorder:
    """Keeps every API exchange of a test for validation afterwards."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    async def hook(self, response: httpx.Response) -> None:
        request = response.request
        if "/v2/" not in request.url.path:
            return
        await response.aread()
        body = request.content
        self.exchanges.append(
            Exchange(
                request.method,
                request.url.raw_path.decode().split("?")[0].split("/v2", 1)[1],
                response.status_code,
                json.loads(body) if body else None,
                response.json() if response.content else None,
            )
        )


def match_operation(
    specs: dict[str, dict[str, Any]], method: str, raw_path: str
) -> tuple[str, str]:
    """(spec name, spec path) of the operation serving ``method raw_path``."""
    best: tuple[int, str, str] | None = None
    for name, spec in specs.items():
        for path, ops in spec["paths"].items():
            if method.lower() not in ops:
                continue
            pattern = (
                "^"
                + re.sub(
                    r"\{[^/]+\}", "[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
                )
                + "$"
            )
            if re.match(pattern, raw_path):
                literal = sum(1 for s in path.split("/") if s and not s.startswith("{"))
                if best is None or literal > best[0]:
                    best = (literal, name, path)
    assert best is not None, f"no operation in Zoom's specs for {method} {raw_path}"
    return best[1], best[2]


def validate(spec: dict[str, Any], schema: dict[str, Any], instance: Any, where: str) -> None:
    # OpenAPI 3.0 schema objects are JSON Schema draft 4 plus keywords a validator
    # ignores (example, deprecated, x-*); these specs use no ``nullable``.
    wrapped = {"allOf": [schema], "components": spec["components"]}
    validator = Draft4Validator(wrapped, format_checker=FORMATS)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{where}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in errors[:5]
    )


def check(specs: dict[str, dict[str, Any]], exchanges: list[Exchange]) -> set[str]:
    seen: set[str] = set()
    for ex in exchanges:
        name, path = match_operation(specs, ex.method, ex.path)
        spec = specs[name]
        operation = spec["paths"][path][ex.method.lower()]
        where = f"{ex.method} {path} -> {ex.status}"
        documented = operation["responses"]
        assert str(ex.status) in documented or ex.status in (401, 429), (
            f"{where}: undocumented status"
        )
        if 200 <= ex.status < 300:
            seen.add(f"{ex.method} {path}")
            content = documented[str(ex.status)].get("content", {})
            if ex.response is not None:
                assert "application/json" in content, f"{where}: body where the spec has none"
                validate(spec, content["application/json"]["schema"], ex.response, where)
            elif content:
                # Zoom documents bodies for these; an empty one would break clients.
                raise AssertionError(f"{where}: the spec documents a body, none returned")
            request_body = operation.get("requestBody")
            if ex.request is not None and request_body is not None:
                schema = request_body["content"]["application/json"]["schema"]
                validate(spec, schema, ex.request, f"request of {where}")
        else:
            assert isinstance(ex.response, dict) and isinstance(ex.response.get("code"), int), where
            assert isinstance(ex.response.get("message"), str), where
    return seen


async def exercise(zc: ZoomClient) -> None:
    """Call every API route of the emulator at least once with a successful answer."""
    await zc.ok("GET", "/users/me")
    await zc.ok("GET", "/users")
    meeting = await zc.new_meeting(
        agenda="Agenda",
        password="pw1234",
        settings={"approval_type": 1, "auto_recording": "cloud", "waiting_room": False},
        tracking_fields=[{"field": "dept", "value": "sales"}],
    )
    mid = meeting["id"]
    await zc.new_meeting(type=8, recurrence={"type": 1, "repeat_interval": 1, "end_times": 3})
    await zc.ok("GET", f"/meetings/{mid}")
    await zc.ok("GET", "/users/me/meetings", params={"type": "scheduled"})
    await zc.ok("PATCH", f"/meetings/{mid}", 204, json={"topic": "Updated", "duration": 45})
    reg = await zc.ok(
        "POST",
        f"/meetings/{mid}/registrants",
        201,
        json={
            "email": "ana@example.com",
            "first_name": "Ana",
            "last_name": "Pop",
            "city": "Cluj",
            "custom_questions": [{"title": "Why?", "value": "Because"}],
        },
    )
    rid = reg["registrant_id"]
    await zc.ok("GET", f"/meetings/{mid}/registrants", params={"status": "pending"})
    await zc.ok("GET", f"/meetings/{mid}/registrants/{rid}")
    await zc.ok(
        "PUT",
        f"/meetings/{mid}/registrants/status",
        204,
        json={"action": "approve", "registrants": [{"id": rid}]},
    )
    batch = await zc.ok(
        "POST",
        f"/meetings/{mid}/batch_registrants",
        201,
        json={
            "auto_approve": True,
            "registrants": [{"email": "b@example.com", "first_name": "B", "last_name": "C"}],
        },
    )
    await zc.ok(
        "DELETE", f"/meetings/{mid}/registrants/{batch['registrants'][0]['registrant_id']}", 204
    )
    poll = await zc.ok(
        "POST",
        f"/meetings/{mid}/polls",
        201,
        json={
            "title": "Q",
            "poll_type": 1,
            "questions": [{"name": "Ok?", "type": "single", "answers": ["y", "n"]}],
        },
    )
    await zc.ok("GET", f"/meetings/{mid}/polls")
    await zc.ok("GET", f"/meetings/{mid}/polls/{poll['id']}")
    await zc.ok(
        "PUT",
        f"/meetings/{mid}/polls/{poll['id']}",
        204,
        json={"title": "Q2", "questions": poll["questions"]},
    )
    await zc.ok("DELETE", f"/meetings/{mid}/polls/{poll['id']}", 204)

    webinar = await zc.new_webinar(settings={"approval_type": 0, "practice_session": True})
    wid = webinar["id"]
    await zc.ok("GET", f"/webinars/{wid}")
    await zc.ok("GET", "/users/me/webinars")
    await zc.ok("PATCH", f"/webinars/{wid}", 204, json={"agenda": "New agenda"})
    wreg = await zc.ok(
        "POST",
        f"/webinars/{wid}/registrants",
        201,
        json={"email": "w@example.com", "first_name": "W"},
    )
    await zc.ok("GET", f"/webinars/{wid}/registrants")
    await zc.ok("GET", f"/webinars/{wid}/registrants/{wreg['registrant_id']}")
    await zc.ok(
        "PUT",
        f"/webinars/{wid}/registrants/status",
        204,
        json={"action": "deny", "registrants": [{"email": "w@example.com"}]},
    )
    wbatch = await zc.ok(
        "POST",
        f"/webinars/{wid}/batch_registrants",
        201,
        json={"registrants": [{"email": "x@example.com", "first_name": "X"}]},
    )
    await zc.ok(
        "DELETE", f"/webinars/{wid}/registrants/{wbatch['registrants'][0]['registrant_id']}", 204
    )
    await zc.ok(
        "POST",
        f"/webinars/{wid}/panelists",
        201,
        json={
            "panelists": [
                {"name": "P", "email": "p@example.com"},
                {"name": "Q", "email": "q@example.com"},
            ]
        },
    )
    panelists = await zc.ok("GET", f"/webinars/{wid}/panelists")
    await zc.ok("DELETE", f"/webinars/{wid}/panelists/{panelists['panelists'][0]['id']}", 204)
    wpoll = await zc.ok(
        "POST",
        f"/webinars/{wid}/polls",
        201,
        json={
            "title": "W",
            "anonymous": True,
            "questions": [{"name": "Ok?", "type": "multiple", "answers": ["a", "b"]}],
        },
    )
    await zc.ok("GET", f"/webinars/{wid}/polls")
    await zc.ok("GET", f"/webinars/{wid}/polls/{wpoll['id']}")
    await zc.ok("PUT", f"/webinars/{wid}/polls/{wpoll['id']}", 204, json={"title": "W2"})
    await zc.ok("DELETE", f"/webinars/{wid}/polls/{wpoll['id']}", 204)

    # Hold both, then read what Zoom recorded.
    for target, email in ((mid, "ana@example.com"), (wid, "q@example.com")):
        await zc.ctl(
            "POST",
            "/simulate",
            json={
                "meeting_id": target,
                "steps": [
                    {"action": "start"},
                    {"action": "join", "email": email, "offset_seconds": 30},
                    {"action": "join", "name": "Guest", "offset_seconds": 40, "force": True},
                    {"action": "end", "offset_seconds": 1200},
                    {"action": "recording"},
                    {"action": "transcript"},
                ],
            },
        )
        await zc.ctl(
            "POST",
            f"/meetings/{target}/qa",
            json={
                "questions": [
                    {"name": "G", "email": "g@example.com", "question": "Q?", "answer": "A."}
                ]
            },
        )
        await zc.ctl(
            "POST",
            f"/meetings/{target}/poll_answers",
            json={
                "answers": [
                    {
                        "name": "G",
                        "email": "g@example.com",
                        "question": "Ok?",
                        "answer": "y",
                        "polling_id": "p",
                    }
                ]
            },
        )
    uuid_m = zc.zoom.state.meetings[mid].uuid
    from urllib.parse import quote

    enc = quote(quote(uuid_m, safe=""), safe="")
    await zc.ok("GET", f"/past_meetings/{enc}/participants")
    await zc.ok("GET", f"/past_meetings/{mid}")
    await zc.ok("GET", f"/past_meetings/{mid}/instances")
    await zc.ok("GET", f"/past_meetings/{mid}/qa")
    await zc.ok("GET", f"/past_meetings/{mid}/polls")
    await zc.ok(
        "GET", f"/report/meetings/{mid}/participants", params={"include_fields": "registrant_id"}
    )
    await zc.ok("GET", f"/report/meetings/{mid}")
    await zc.ok("GET", f"/past_webinars/{wid}/participants")
    await zc.ok("GET", f"/past_webinars/{wid}/qa")
    await zc.ok("GET", f"/past_webinars/{wid}/polls")
    await zc.ok("GET", f"/report/webinars/{wid}/participants")
    await zc.ok("GET", f"/report/webinars/{wid}")
    recording = await zc.ok(
        "GET", f"/meetings/{mid}/recordings", params={"include_fields": "download_access_token"}
    )
    await zc.ok(
        "PATCH", f"/meetings/{mid}/recordings/settings", 204, json={"share_recording": "publicly"}
    )
    shared = await zc.ok("GET", f"/meetings/{mid}/recordings/settings")
    assert shared["share_recording"] == "publicly"
    today = zc.zoom.state.clock.now().date().isoformat()
    await zc.ok("GET", "/users/me/recordings", params={"from": today, "to": today})
    await zc.ok(
        "DELETE", f"/meetings/{mid}/recordings/{recording['recording_files'][0]['id']}", 200
    )
    await zc.ok("DELETE", f"/meetings/{mid}/recordings", 200, params={"action": "trash"})
    await zc.ok("DELETE", f"/webinars/{wid}/panelists", 204)
    await zc.ok("DELETE", f"/webinars/{wid}", 204)
    await zc.ok("DELETE", f"/meetings/{mid}", 204)
    # A few errors: their bodies must have Zoom's shape too.
    assert (await zc.api("GET", f"/meetings/{mid}")).status_code == 404
    assert (await zc.api("POST", "/users/me/meetings", json={"topic": 5})).status_code == 400


def emulator_routes(zc: ZoomClient) -> dict[str, str]:
    """ "METHOD /spec/path" -> rate-limit category, for every /v2 route of the emulator."""
    app = zc.zoom.state  # the routes are read from a fresh app built the same way
    from hub_zoom.emulator import create_app

    routes: dict[str, str] = {}
    for route in create_app(app.config).routes:
        if not route.path.startswith("/v2"):
            continue
        for handler in route.route_handlers:  # type: ignore[attr-defined]
            if "category" not in handler.opt:
                continue  # Litestar's automatic OPTIONS handlers
            for method in handler.http_methods:
                path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path[3:])
                routes[f"{method} {path}"] = handler.opt["category"]
    return routes


async def test_responses_and_requests_match_zoom_specs(
    zoom_factory: ZoomFactory, specs: dict[str, dict[str, Any]]
) -> None:
    recorder = Recorder()
    async with zoom_factory() as zc:
        zc.http.event_hooks["response"].append(recorder.hook)
        await exercise(zc)
        routes = emulator_routes(zc)
    seen = check(specs, recorder.exchanges)
    assert len(recorder.exchanges) > 50
    assert set(routes) <= seen, f"emulator routes not exercised: {sorted(set(routes) - seen)}"


def test_rate_limit_labels_match_the_specs(specs: dict[str, dict[str, Any]]) -> None:
    from hub_zoom.emulator import EmulatorConfig, create_app

    app = create_app(EmulatorConfig())
    mismatches = []
    checked = 0
    for route in app.routes:
        if not route.path.startswith("/v2"):
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path[3:])
        for handler in route.route_handlers:  # type: ignore[attr-defined]
            if "category" not in handler.opt:
                continue
            for method in handler.http_methods:
                name, spec_path = match_operation(specs, method, path)
                description = specs[name]["paths"][spec_path][method.lower()].get("description", "")
                found = re.search(
                    r"Rate Limit Label(?:\]\([^)]*\))?:\*\*\s*`([A-Z-]+)`", description
                )
                if not found:
                    continue
                label = found.group(1).lower().replace("-", "_")
                checked += 1
                if label != handler.opt["category"]:
                    mismatches.append(
                        f"{method} {spec_path}: spec {label}, emulator {handler.opt['category']}"
                    )
    assert checked > 40
    assert not mismatches, mismatches
