"""Control API of the emulator, under ``/_emulator`` (JSON; not part of Zoom).

Tests, the demo and benchmarks use it to read state for assertions, to inject faults,
to move the clock and to play what happens "on Zoom's side".  Errors answer
``{"error": "..."}`` with 400/404/409.  Times are ISO 8601 (``at``) or seconds
(``offset_seconds``: from the instance start for in-meeting steps, from now for
``start``); omitted means "now" on the emulated clock, and a time in the future moves
the clock forward to it.  ``{id}`` is a meeting or webinar number.

State and statistics
--------------------
``GET  /_emulator/health``
    -> ``{"ok": true, "now": iso, "base_url": str, "api_base_url": str}``
``GET  /_emulator/state/registrants?meeting_id=ID[&status=approved|pending|denied|cancelled]``
    -> ``{"meeting_id", "kind", "registrants": [{"id", "email", "first_name",
    "last_name", "status", "join_url", "create_time"}]}`` (``status`` here is the
    internal one, including ``cancelled``)
``GET  /_emulator/state/meetings`` -> ``{"meetings": [{"id", "uuid", "kind", "topic",
    "type", "host_id", "account_id", "status", "deleted", "registrants",
    "instances": [{"uuid", "start_time", "end_time", "participants", "recording"}]}]}``
``GET  /_emulator/stats`` -> ``{"calls": {"GET /v2/meetings/{meetingId}": n},
    "statuses": {"<route> <status>": n}, "rate_limited": {route: n},
    "rate_limited_total": n, "rate_limit_rejections": {"qps"|"daily"|"user": n},
    "injected": {"5xx"|"429"|"reset"|"timeout"|"latency"|"outage": n},
    "token_grants": {grant_type: n}, "tokens_issued": n, "token_errors": {error: n},
    "refreshes": n, "revocations": n, "unauthorized": n,
    "categories": {"light": n, "<account>:<category>": n}, "webhooks": {state: n}}``
``POST /_emulator/stats/reset`` -> ``{"ok": true}``

Faults and time
---------------
``GET  /_emulator/faults`` -> current ``FaultConfig`` plus ``outage`` status
``POST /_emulator/faults`` body ``FaultConfig``: ``{"seed": int|null, "rules": [{"route":
    "POST /v2/meetings/{meetingId}/batch_registrants" | "*" | glob, "error_rate",
    "error_status", "rate_limit_rate", "reset_rate", "timeout_rate", "timeout_seconds",
    "latency_ms", "latency_jitter_ms"}], "outage": {"mode": "503"|"reset",
    "duration_seconds": float|null, "until": iso|null} | null}``; replaces the previous
    configuration (``{}`` clears everything).
``GET  /_emulator/clock`` -> ``{"now": iso, "time_scale": float, "frozen": bool}``
``POST /_emulator/clock/advance`` body ``{"seconds": float}`` or ``{"to": iso}`` -> clock
``POST /_emulator/clock/freeze`` body ``{"frozen": bool}`` -> clock
``POST /_emulator/tokens/expire`` -> ``{"expired": n}`` (every access token expires now)

Accounts
--------
``POST /_emulator/users`` body ``{"email", "first_name", "last_name", "type": 2,
    "account_id": null, "webinar": true}`` -> ``{"id", "email", "account_id"}``

Zoom-side changes (each sends the webhooks Zoom would send)
-----------------------------------------------------------
``POST /_emulator/meetings/{id}/registrants`` body ``{"registrants": [{"email",
    "first_name", "last_name"}], "auto_approve": bool|null}`` (people registering on
    Zoom's registration page; no rate limits) -> ``{"registrants": [{"id", "email",
    "join_url", "status"}]}``
``POST /_emulator/meetings/{id}/registrants/{rid}/cancel`` -> registrant
    (``meeting.registration_cancelled``)
``POST /_emulator/meetings/{id}/delete`` -> ``{"deleted": true}`` (``meeting.deleted``)

Meeting simulator
-----------------
``POST /_emulator/meetings/{id}/start`` body ``{"at", "offset_seconds", "uuid",
    "practice_session": false, "host_joins": null}`` -> ``{"uuid", "start_time"}``
``POST /_emulator/meetings/{id}/join`` body ``{"registrant_id" | "email" | "name",
    "device_id": "default", "at", "offset_seconds", "force": false, "phone_number",
    "customer_key"}`` -> ``{"user_id", "participant_user_id", "participant_uuid",
    "join_time", "registrant_id", "name"}``; a registrant must be approved unless
    ``force``; a ``name`` (or an unknown email) joins as a guest without registration
``POST /_emulator/meetings/{id}/leave`` body ``{"registrant_id" | "email" | "name",
    "device_id": null (all devices), "at", "offset_seconds", "reason"}`` -> ``{"left": n}``
``POST /_emulator/meetings/{id}/end`` body ``{"at", "offset_seconds"}`` -> instance
``POST /_emulator/meetings/{id}/recording`` body ``{"at", "uuid", "include_chat": false}``
    -> ``{"uuid", "files": [{"id", "file_type", "file_size", "download_url"}]}``
    (``recording.completed``)
``POST /_emulator/meetings/{id}/transcript`` body ``{"at", "uuid"}`` -> file
    (``recording.transcript_completed``)
``POST /_emulator/meetings/{id}/qa`` body ``{"questions": [{"name", "email",
    "question", "answer"}]}``; ``POST /_emulator/meetings/{id}/poll_answers`` body
    ``{"answers": [{"name", "email", "question", "answer", "polling_id"}]}``
``POST /_emulator/simulate`` body ``{"meeting_id": ID, "steps": [{"action":
    "start"|"join"|"leave"|"end"|"recording"|"transcript", ...fields of the endpoint
    above}], "wait_for_webhooks": false}`` -> ``{"steps": n, "instance": {...},
    "webhooks_queued": n, "webhooks_drained": bool|null}``

Webhooks
--------
``POST /_emulator/webhooks/url`` body ``{"url": str|null, "client_id": null}`` -> the app's
    new webhook URL (``null`` stops deliveries to it)
``POST /_emulator/webhooks/url-validation`` body ``{"client_id": null}`` -> ``{"valid",
    "status", "plain_token", "expected_encrypted_token", "response", "reason"}``
``GET  /_emulator/webhooks/deliveries?event=&state=&body=true&limit=`` ->
    ``{"deliveries": [{"id", "event", "url", "client_id", "account_id", "event_ts",
    "state", "attempts": [{"at", "status", "error", "duration_ms"}], "next_attempt_at",
    "body"}], "outstanding": n}``
``POST /_emulator/webhooks/drain`` body ``{"timeout": 30}`` -> ``{"drained", "outstanding"}``
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

import msgspec
from litestar import Request, Response, Router, get, post

from .clock import isoformat, parse_datetime
from .errors import ControlError, ZoomError
from .faults import FaultConfig
from .httputil import json_response
from .meetings import delete_meeting
from .models import Meeting
from .recordings import render_file
from .registrants import _validate_registrant_body, cancel_registrant, register
from .scheduling import status_of
from .state import ZoomEmulator


def _emulator(request: Request[Any, Any, Any]) -> ZoomEmulator:
    return request.app.state.emulator  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- bodies


class ClockAdvance(msgspec.Struct, kw_only=True):
    seconds: float | None = None
    to: str | None = None


class ClockFreeze(msgspec.Struct, kw_only=True):
    frozen: bool = True


class NewUser(msgspec.Struct, kw_only=True):
    email: str
    first_name: str = ""
    last_name: str = ""
    type: int = 2
    account_id: str | None = None
    webinar: bool = True


class RegistrantIn(msgspec.Struct, kw_only=True):
    email: str
    first_name: str
    last_name: str = ""


class BulkRegistrants(msgspec.Struct, kw_only=True):
    registrants: list[dict[str, Any]]
    auto_approve: bool | None = None


class Step(msgspec.Struct, kw_only=True):
    """One simulator step; the fields used depend on ``action``."""

    action: Literal["start", "join", "leave", "end", "recording", "transcript"] = "join"
    at: str | None = None
    offset_seconds: float | None = None
    registrant_id: str | None = None
    email: str | None = None
    name: str | None = None
    device_id: str | None = None
    force: bool = False
    reason: str | None = None
    uuid: str | None = None
    practice_session: bool = False
    host_joins: bool | None = None
    include_chat: bool = False
    phone_number: str = ""
    customer_key: str = ""


class Simulation(msgspec.Struct, kw_only=True):
    meeting_id: int | str
    steps: list[Step]
    wait_for_webhooks: bool = False
    wait_timeout: float = 60.0


class QARequest(msgspec.Struct, kw_only=True):
    questions: list[dict[str, Any]]


class PollAnswers(msgspec.Struct, kw_only=True):
    answers: list[dict[str, Any]]


class UrlValidation(msgspec.Struct, kw_only=True):
    client_id: str | None = None


class WebhookTarget(msgspec.Struct, kw_only=True):
    url: str | None
    client_id: str | None = None


class Drain(msgspec.Struct, kw_only=True):
    timeout: float = 30.0


# ---------------------------------------------------------------------- rendering


def _clock(emulator: ZoomEmulator) -> dict[str, Any]:
    clock = emulator.clock
    return {"now": isoformat(clock.now()), "time_scale": clock.time_scale, "frozen": clock.frozen}


def _instance_info(emulator: ZoomEmulator, meeting: Meeting) -> list[dict[str, Any]]:
    return [
        {
            "uuid": i.uuid,
            "start_time": isoformat(i.start_time),
            "end_time": isoformat(i.end_time) if i.end_time else None,
            "practice_session": i.practice_session,
            "participants": len(i.sessions),
            "active_participants": len(i.active_sessions()),
            "recording": i.recording is not None,
        }
        for i in meeting.instances
    ]


# ---------------------------------------------------------------------- state


@get("/health")
async def health(request: Request[Any, Any, Any]) -> Response[bytes]:
    emulator = _emulator(request)
    return json_response(
        {
            "ok": True,
            "now": isoformat(emulator.clock.now()),
            "base_url": emulator.base_url,
            "api_base_url": f"{emulator.base_url}/v2",
        }
    )


@get("/state/registrants")
async def state_registrants(request: Request[Any, Any, Any]) -> Response[bytes]:
    emulator = _emulator(request)
    meeting_id = request.query_params.get("meeting_id")
    if not meeting_id:
        raise ControlError(400, "meeting_id is required")
    meeting = emulator.any_meeting(meeting_id)
    status = request.query_params.get("status")
    items = [
        {
            "id": r.id,
            "email": r.email,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "status": r.status,
            "join_url": r.join_url,
            "create_time": isoformat(r.create_time),
        }
        for r in meeting.registrants.values()
        if status is None or r.status == status
    ]
    return json_response({"meeting_id": meeting.id, "kind": meeting.kind, "registrants": items})


@get("/state/meetings")
async def state_meetings(request: Request[Any, Any, Any]) -> Response[bytes]:
    emulator = _emulator(request)
    items = [
        {
            "id": m.id,
            "uuid": m.uuid,
            "kind": m.kind,
            "topic": m.topic,
            "type": m.type,
            "host_id": m.host_id,
            "account_id": m.account_id,
            "status": status_of(m),
            "deleted": m.deleted,
            "registrants": len(m.registrants),
            "instances": _instance_info(emulator, m),
        }
        for m in emulator.meetings.values()
    ]
    return json_response({"meetings": items})


@get("/stats")
async def stats(request: Request[Any, Any, Any]) -> Response[bytes]:
    emulator = _emulator(request)
    body = emulator.stats_snapshot()
    body["webhooks"] = dict(Counter(d.state for d in emulator.webhooks.deliveries))
    return json_response(body)


@post("/stats/reset", status_code=200)
async def stats_reset(request: Request[Any, Any, Any]) -> Response[bytes]:
    _emulator(request).stats.reset()
    return json_response({"ok": True})


# ---------------------------------------------------------------------- faults, clock


def _faults_body(emulator: ZoomEmulator) -> dict[str, Any]:
    body = msgspec.to_builtins(emulator.faults.config)
    body["outage_status"] = emulator.faults.outage_status()
    return body  # type: ignore[no-any-return]


@get("/faults")
async def faults_get(request: Request[Any, Any, Any]) -> Response[bytes]:
    return json_response(_faults_body(_emulator(request)))


@post("/faults", status_code=200)
async def faults_set(request: Request[Any, Any, Any], data: FaultConfig) -> Response[bytes]:
    emulator = _emulator(request)
    emulator.faults.configure(data)
    return json_response(_faults_body(emulator))


@get("/clock")
async def clock_get(request: Request[Any, Any, Any]) -> Response[bytes]:
    return json_response(_clock(_emulator(request)))


@post("/clock/advance", status_code=200)
async def clock_advance(request: Request[Any, Any, Any], data: ClockAdvance) -> Response[bytes]:
    emulator = _emulator(request)
    if data.to is not None:
        emulator.clock.set(parse_datetime(data.to))
    elif data.seconds is not None:
        emulator.clock.advance(data.seconds)
    else:
        raise ControlError(400, "give seconds or to")
    return json_response(_clock(emulator))


@post("/clock/freeze", status_code=200)
async def clock_freeze(request: Request[Any, Any, Any], data: ClockFreeze) -> Response[bytes]:
    emulator = _emulator(request)
    emulator.clock.freeze(data.frozen)
    return json_response(_clock(emulator))


@post("/tokens/expire", status_code=200)
async def tokens_expire(request: Request[Any, Any, Any]) -> Response[bytes]:
    emulator = _emulator(request)
    now = emulator.clock.now()
    count = 0
    for record in emulator.tokens.access.values():
        if record.expires_at > now:
            record.expires_at = now
            count += 1
    return json_response({"expired": count})


@post("/users", status_code=201)
async def users_add(request: Request[Any, Any, Any], data: NewUser) -> Response[bytes]:
    emulator = _emulator(request)
    if data.email.lower() in emulator.users_by_email:
        raise ControlError(409, f"user {data.email} exists")
    user = emulator.add_user(
        email=data.email,
        first_name=data.first_name,
        last_name=data.last_name,
        type=data.type,
        account_id=data.account_id,
        webinar=data.webinar,
    )
    return json_response({"id": user.id, "email": user.email, "account_id": user.account_id}, 201)


# ---------------------------------------------------------------------- Zoom-side changes


@post("/meetings/{meeting_id:str}/registrants", status_code=201)
async def zoom_side_register(
    request: Request[Any, Any, Any], meeting_id: str, data: BulkRegistrants
) -> Response[bytes]:
    emulator = _emulator(request)
    meeting = emulator.any_meeting(meeting_id)
    if not meeting.registration_enabled:
        raise ControlError(409, f"registration is not enabled for {meeting.id}")
    out = []
    for i, item in enumerate(data.registrants):
        try:
            _validate_registrant_body(item, f"registrants[{i}].")
            registrant, _ = register(emulator, meeting, item, data.auto_approve)
        except ZoomError as exc:
            raise ControlError(400, exc.message) from None
        out.append(
            {
                "id": registrant.id,
                "email": registrant.email,
                "join_url": registrant.join_url,
                "status": registrant.status,
            }
        )
    return json_response({"registrants": out}, 201)


@post("/meetings/{meeting_id:str}/registrants/{registrant_id:str}/cancel", status_code=200)
async def zoom_side_cancel(
    request: Request[Any, Any, Any], meeting_id: str, registrant_id: str
) -> Response[bytes]:
    emulator = _emulator(request)
    meeting = emulator.any_meeting(meeting_id)
    registrant = meeting.registrants.get(registrant_id)
    if registrant is None:
        raise ControlError(404, f"no registrant {registrant_id}")
    cancel_registrant(emulator, meeting, registrant, emulator.host_of(meeting))
    return json_response(
        {"id": registrant.id, "email": registrant.email, "status": registrant.status}
    )


@post("/meetings/{meeting_id:str}/delete", status_code=200)
async def zoom_side_delete(request: Request[Any, Any, Any], meeting_id: str) -> Response[bytes]:
    emulator = _emulator(request)
    meeting = emulator.any_meeting(meeting_id)
    if meeting.deleted:
        raise ControlError(409, f"{meeting.id} is already deleted")
    delete_meeting(emulator, meeting, emulator.host_of(meeting))
    return json_response({"deleted": True, "id": meeting.id})


# ---------------------------------------------------------------------- simulator


def run_step(emulator: ZoomEmulator, meeting: Meeting, step: Step) -> dict[str, Any]:
    sim = emulator.simulator
    if step.action == "start":
        when = sim.resolve_time(step.at, step.offset_seconds, None)
        instance = sim.start(meeting, when, step.uuid, step.practice_session, step.host_joins)
        return {"uuid": instance.uuid, "start_time": isoformat(instance.start_time)}
    base = meeting.current.start_time if meeting.current else None
    if step.action in ("recording", "transcript"):
        last = meeting.last_ended
        base = last.start_time if last else None
    when = sim.resolve_time(step.at, step.offset_seconds, base)
    if step.action == "join":
        session = sim.join(
            meeting,
            when,
            step.registrant_id,
            step.email,
            step.name,
            step.device_id or "default",
            step.force,
            step.phone_number,
            step.customer_key,
        )
        return {
            "user_id": session.user_id,
            "participant_user_id": session.participant_user_id,
            "participant_uuid": session.participant_uuid,
            "join_time": isoformat(session.join_time),
            "registrant_id": session.registrant_id,
            "name": session.name,
        }
    if step.action == "leave":
        left = sim.leave(
            meeting, when, step.registrant_id, step.email, step.name, step.device_id, step.reason
        )
        return {"left": len(left), "leave_time": isoformat(when)}
    if step.action == "end":
        instance = sim.end(meeting, when)
        return {
            "uuid": instance.uuid,
            "start_time": isoformat(instance.start_time),
            "end_time": isoformat(when),
            "participants": len(instance.sessions),
        }
    if step.action == "recording":
        recording = sim.record(meeting, when, step.uuid, step.include_chat)
        return {
            "uuid": recording.uuid,
            "files": [render_file(emulator, f) for f in recording.files],
        }
    file = sim.transcript(meeting, when, step.uuid)
    return render_file(emulator, file)


def _step_endpoint(action: str) -> Any:
    @post(f"/meetings/{{meeting_id:str}}/{action}", status_code=200, name=f"simulate-{action}")
    async def handler(
        request: Request[Any, Any, Any], meeting_id: str, data: dict[str, Any] | None = None
    ) -> Response[bytes]:
        emulator = _emulator(request)
        meeting = emulator.any_meeting(meeting_id)
        try:
            step = msgspec.convert({**(data or {}), "action": action}, Step)
        except msgspec.ValidationError as exc:
            raise ControlError(400, str(exc)) from None
        return json_response(run_step(emulator, meeting, step))

    return handler


@post("/meetings/{meeting_id:str}/qa", status_code=200)
async def add_qa(
    request: Request[Any, Any, Any], meeting_id: str, data: QARequest
) -> Response[bytes]:
    emulator = _emulator(request)
    instance = emulator.simulator.add_qa(emulator.any_meeting(meeting_id), data.questions)
    return json_response({"uuid": instance.uuid, "questions": len(instance.qa)})


@post("/meetings/{meeting_id:str}/poll_answers", status_code=200)
async def add_poll_answers(
    request: Request[Any, Any, Any], meeting_id: str, data: PollAnswers
) -> Response[bytes]:
    emulator = _emulator(request)
    instance = emulator.simulator.add_poll_answers(emulator.any_meeting(meeting_id), data.answers)
    return json_response({"uuid": instance.uuid, "answers": len(instance.poll_answers)})


@post("/simulate", status_code=200)
async def simulate(request: Request[Any, Any, Any], data: Simulation) -> Response[bytes]:
    emulator = _emulator(request)
    meeting = emulator.any_meeting(data.meeting_id)
    before = len(emulator.webhooks.deliveries)
    results = []
    for index, step in enumerate(data.steps):
        try:
            results.append(run_step(emulator, meeting, step))
        except ControlError as exc:
            raise ControlError(exc.status, f"step {index} ({step.action}): {exc.message}") from None
    drained = None
    if data.wait_for_webhooks:
        drained = await emulator.webhooks.drain(data.wait_timeout)
    last = meeting.instances[-1] if meeting.instances else None
    return json_response(
        {
            "steps": len(results),
            "results": results if len(results) <= 100 else results[-100:],
            "instance": _instance_info(emulator, meeting)[-1] if last else None,
            "webhooks_queued": len(emulator.webhooks.deliveries) - before,
            "webhooks_drained": drained,
        }
    )


# ---------------------------------------------------------------------- webhooks


@post("/webhooks/url-validation", status_code=200)
async def url_validation(
    request: Request[Any, Any, Any], data: UrlValidation | None = None
) -> Response[bytes]:
    emulator = _emulator(request)
    client_id = (data.client_id if data else None) or emulator.config.client_id
    app = emulator.apps.get(client_id)
    if app is None:
        raise ControlError(404, f"no app {client_id}")
    return json_response(await emulator.webhooks.validate_url(app))


@post("/webhooks/url", status_code=200)
async def webhook_url(request: Request[Any, Any, Any], data: WebhookTarget) -> Response[bytes]:
    emulator = _emulator(request)
    client_id = data.client_id or emulator.config.client_id
    if client_id not in emulator.apps:
        raise ControlError(404, f"no app {client_id}")
    emulator.set_webhook_url(data.url, client_id)
    return json_response({"client_id": client_id, "webhook_url": data.url})


@get("/webhooks/deliveries")
async def deliveries(request: Request[Any, Any, Any]) -> Response[bytes]:
    emulator = _emulator(request)
    params = request.query_params
    event = params.get("event")
    state = params.get("state")
    with_body = params.get("body", "true") != "false"
    items = [
        d
        for d in emulator.webhooks.deliveries
        if (event is None or d.event == event) and (state is None or d.state == state)
    ]
    limit = params.get("limit")
    if limit and limit.isdigit():
        items = items[-int(limit) :]
    return json_response(
        {
            "deliveries": [d.to_dict(with_body) for d in items],
            "outstanding": emulator.webhooks.outstanding,
        }
    )


@post("/webhooks/drain", status_code=200)
async def drain(request: Request[Any, Any, Any], data: Drain | None = None) -> Response[bytes]:
    emulator = _emulator(request)
    drained = await emulator.webhooks.drain(data.timeout if data else 30.0)
    return json_response({"drained": drained, "outstanding": emulator.webhooks.outstanding})


def router() -> Router:
    return Router(
        path="/_emulator",
        route_handlers=[
            health,
            state_registrants,
            state_meetings,
            stats,
            stats_reset,
            faults_get,
            faults_set,
            clock_get,
            clock_advance,
            clock_freeze,
            tokens_expire,
            users_add,
            zoom_side_register,
            zoom_side_cancel,
            zoom_side_delete,
            *[
                _step_endpoint(a)
                for a in ("start", "join", "leave", "end", "recording", "transcript")
            ],
            add_qa,
            add_poll_answers,
            simulate,
            url_validation,
            webhook_url,
            deliveries,
            drain,
        ],
    )
