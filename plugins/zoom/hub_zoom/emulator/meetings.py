"""Meeting and webinar CRUD: ``/users/{userId}/meetings|webinars`` and
``/meetings|webinars/{id}``.

Create and update share the per-host budget of 100 a day across meetings and
webinars.  Deleting a meeting sends ``meeting.deleted`` (``webinar.deleted``); with
``occurrence_id`` only that occurrence is marked deleted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Response, delete, get, patch, post

from .clock import isoformat
from .errors import ZoomError, validation_failed
from .httputil import empty_response, json_response, query, read_json, token_of
from .models import Kind, Meeting, User
from .ratelimits import HOST_CREATE_UPDATE_PER_DAY, host_limit_message
from .scheduling import (
    apply_fields,
    check_host_can_schedule,
    new_meeting,
    render,
    render_summary,
    webhook_object,
)
from .state import ZoomEmulator
from .tokens import AccessToken

LIST_TYPES = {
    "meeting": ("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings"),
    "webinar": ("scheduled", "upcoming"),
}


def emulator_of(request: Request[Any, Any, Any]) -> ZoomEmulator:
    return request.app.state.emulator  # type: ignore[no-any-return]


def _host_budget(
    emulator: ZoomEmulator, host: User, kind: Kind, account_id: str, category: str
) -> None:
    emulator.rate_limits.check_user_limit(
        ("host_create_update", host.id),
        HOST_CREATE_UPDATE_PER_DAY,
        host_limit_message(kind),
        account_id,
        category,
    )


def _operator(emulator: ZoomEmulator, token: AccessToken) -> User:
    return emulator.users[token.grant.user_id]


async def create(request: Request[Any, Any, Any], user_ref: str, kind: Kind) -> Response[bytes]:
    emulator = emulator_of(request)
    token = token_of(request)
    host = emulator.resolve_user(user_ref, token)
    body = await read_json(request)
    schedule_for = body.get("schedule_for")
    if schedule_for:
        if not isinstance(schedule_for, str):
            raise validation_failed("schedule_for")
        target = emulator.users_by_email.get(schedule_for.lower()) or emulator.users.get(
            schedule_for
        )
        if target is None or target.account_id != token.grant.account_id:
            raise ZoomError(400, 300, f"Invalid schedule_for user: {schedule_for}.")
        host = target
    check_host_can_schedule(emulator, host, kind)
    category = "medium" if kind == "meeting" else "light"
    _host_budget(emulator, host, kind, token.grant.account_id, category)
    meeting = new_meeting(emulator, host, kind, body)
    emulator.meetings[meeting.id] = meeting
    emulator.rate_limits.consume_user_limit(("host_create_update", host.id))
    emulator.emit(
        meeting.account_id,
        f"{kind}.created",
        {**webhook_object(meeting), "join_url": render(emulator, meeting)["join_url"]},
        operator=_operator(emulator, token),
        operation="single",
    )
    return json_response(render(emulator, meeting), status=201)


def _listed(emulator: ZoomEmulator, meeting: Meeting, list_type: str) -> bool:
    now = emulator.clock.now()
    if meeting.kind == "meeting" and meeting.type == 1:
        # Instant meetings are never listed (Zoom lists scheduled meetings only),
        # except while live.
        return list_type == "live" and meeting.current is not None
    end = (
        meeting.start_time + timedelta(minutes=meeting.duration)
        if meeting.start_time is not None
        else None
    )
    if list_type == "scheduled":
        return True
    if list_type == "live":
        return meeting.current is not None
    if list_type in ("upcoming", "upcoming_meetings"):
        if meeting.type in (3, 6):
            return True
        if meeting.occurrences:
            return any(
                o["status"] == "available" and o["start_time"] >= isoformat(now)
                for o in meeting.occurrences
            )
        return end is None or end >= now or meeting.current is not None
    if list_type == "previous_meetings":
        return meeting.last_ended is not None or (end is not None and end < now)
    return False


async def list_for_user(
    request: Request[Any, Any, Any], user_ref: str, kind: Kind
) -> Response[bytes]:
    emulator = emulator_of(request)
    token = token_of(request)
    host = emulator.resolve_user(user_ref, token)
    params = query(request)
    list_type = params.get("type") or "scheduled"
    if list_type not in LIST_TYPES[kind]:
        raise validation_failed("type")
    items = [
        m
        for m in emulator.meetings.values()
        if m.host_id == host.id
        and m.kind == kind
        and not m.deleted
        and _listed(emulator, m, list_type)
    ]
    items.sort(key=lambda m: (m.start_time or m.created_at, m.id))
    page = emulator.paginator.page(items, params, scope=f"{kind}s:{host.id}:{list_type}")
    page.items = [render_summary(emulator, m) for m in page.items]
    return json_response(page.envelope(f"{kind}s"))


async def get_one(request: Request[Any, Any, Any], meeting_ref: str, kind: Kind) -> Response[bytes]:
    emulator = emulator_of(request)
    meeting = emulator.meeting(meeting_ref, kind, token_of(request))
    body = render(emulator, meeting)
    occurrence_id = request.query_params.get("occurrence_id")
    if occurrence_id:
        match = [o for o in meeting.occurrences if o["occurrence_id"] == occurrence_id]
        if not match:
            raise ZoomError(400, 300, f"Invalid occurrence_id: {occurrence_id}.")
        body["start_time"] = match[0]["start_time"]
    return json_response(body)


async def update(request: Request[Any, Any, Any], meeting_ref: str, kind: Kind) -> Response[bytes]:
    emulator = emulator_of(request)
    token = token_of(request)
    meeting = emulator.meeting(meeting_ref, kind, token)
    body = await read_json(request)
    host = emulator.host_of(meeting)
    _host_budget(emulator, host, kind, token.grant.account_id, "light")
    apply_fields(emulator, meeting, body)
    emulator.rate_limits.consume_user_limit(("host_create_update", host.id))
    emulator.emit(
        meeting.account_id,
        f"{kind}.updated",
        {**webhook_object(meeting)},
        operator=_operator(emulator, token),
        operation="single",
    )
    return empty_response(204)


def delete_meeting(
    emulator: ZoomEmulator,
    meeting: Meeting,
    operator: User,
    occurrence_id: str | None = None,
) -> None:
    """Delete a meeting (or one occurrence) and tell subscribed apps."""
    obj = webhook_object(meeting)
    if occurrence_id:
        match = [o for o in meeting.occurrences if o["occurrence_id"] == occurrence_id]
        if not match:
            raise ZoomError(400, 300, f"Invalid occurrence_id: {occurrence_id}.")
        match[0]["status"] = "deleted"
        obj["occurrences"] = [
            {"occurrence_id": occurrence_id, "start_time": match[0]["start_time"]}
        ]
        operation = "single"
    else:
        meeting.deleted = True
        operation = "all" if meeting.recurring else "single"
    emulator.emit(
        meeting.account_id,
        f"{meeting.kind}.deleted",
        obj,
        operator=operator,
        operation=operation,
    )


async def remove(request: Request[Any, Any, Any], meeting_ref: str, kind: Kind) -> Response[bytes]:
    emulator = emulator_of(request)
    token = token_of(request)
    meeting = emulator.meeting(meeting_ref, kind, token)
    delete_meeting(
        emulator, meeting, _operator(emulator, token), request.query_params.get("occurrence_id")
    )
    return empty_response(204)


# ---------------------------------------------------------------------- routes

API = {"zoom": "api"}


@post(
    "/users/{userId:str}/meetings",
    opt={**API, "category": "medium", "operation": "meetingCreate"},
    status_code=201,
)
async def meeting_create(request: Request[Any, Any, Any], userId: str) -> Response[bytes]:
    return await create(request, userId, "meeting")


@get("/users/{userId:str}/meetings", opt={**API, "category": "medium", "operation": "meetings"})
async def meeting_list(request: Request[Any, Any, Any], userId: str) -> Response[bytes]:
    return await list_for_user(request, userId, "meeting")


@get("/meetings/{meetingId:str}", opt={**API, "category": "light", "operation": "meeting"})
async def meeting_get(request: Request[Any, Any, Any], meetingId: str) -> Response[bytes]:
    return await get_one(request, meetingId, "meeting")


@patch(
    "/meetings/{meetingId:str}",
    opt={**API, "category": "light", "operation": "meetingUpdate"},
    status_code=200,
)
async def meeting_update(request: Request[Any, Any, Any], meetingId: str) -> Response[bytes]:
    return await update(request, meetingId, "meeting")


@delete(
    "/meetings/{meetingId:str}",
    opt={**API, "category": "light", "operation": "meetingDelete"},
    status_code=200,
)
async def meeting_delete(request: Request[Any, Any, Any], meetingId: str) -> Response[bytes]:
    return await remove(request, meetingId, "meeting")


@post(
    "/users/{userId:str}/webinars",
    opt={**API, "category": "light", "operation": "webinarCreate"},
    status_code=201,
)
async def webinar_create(request: Request[Any, Any, Any], userId: str) -> Response[bytes]:
    return await create(request, userId, "webinar")


@get("/users/{userId:str}/webinars", opt={**API, "category": "medium", "operation": "webinars"})
async def webinar_list(request: Request[Any, Any, Any], userId: str) -> Response[bytes]:
    return await list_for_user(request, userId, "webinar")


@get("/webinars/{webinarId:str}", opt={**API, "category": "light", "operation": "webinar"})
async def webinar_get(request: Request[Any, Any, Any], webinarId: str) -> Response[bytes]:
    return await get_one(request, webinarId, "webinar")


@patch(
    "/webinars/{webinarId:str}",
    opt={**API, "category": "light", "operation": "webinarUpdate"},
    status_code=200,
)
async def webinar_update(request: Request[Any, Any, Any], webinarId: str) -> Response[bytes]:
    return await update(request, webinarId, "webinar")


@delete(
    "/webinars/{webinarId:str}",
    opt={**API, "category": "light", "operation": "webinarDelete"},
    status_code=200,
)
async def webinar_delete(request: Request[Any, Any, Any], webinarId: str) -> Response[bytes]:
    return await remove(request, webinarId, "webinar")


ROUTES = [
    meeting_create,
    meeting_list,
    meeting_get,
    meeting_update,
    meeting_delete,
    webinar_create,
    webinar_list,
    webinar_get,
    webinar_update,
    webinar_delete,
]
