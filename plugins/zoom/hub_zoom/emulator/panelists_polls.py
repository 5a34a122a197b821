"""Webinar panelists, and polls of meetings and webinars.

Panelists are keyed by email (adding an existing email updates it), limited by
``panelist_limit`` (400/3000 beyond it).  Polls hold what the host configured; poll
answers come from the simulator and show up in ``past_*/polls`` after the meeting.
Q&A and practice-session options live in webinar ``settings`` (``question_and_answer``,
``practice_session``) and go through webinar create/update.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, delete, get, post, put

from .clock import isoformat
from .errors import ZoomError, validation_failed
from .httputil import check_email, empty_response, json_response, read_json, token_of
from .models import Kind, Meeting, Panelist, Poll
from .state import ZoomEmulator

API = {"zoom": "api"}
PANELIST_EXTRA = (
    "name_tag_id",
    "name_tag_name",
    "name_tag_pronouns",
    "name_tag_description",
    "virtual_background_id",
)
QUESTION_TYPES = (
    "single",
    "multiple",
    "matching",
    "rank_order",
    "short_answer",
    "long_answer",
    "fill_in_the_blank",
    "rating_scale",
)


def _emulator(request: Request[Any, Any, Any]) -> ZoomEmulator:
    return request.app.state.emulator  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- panelists


def render_panelist(panelist: Panelist) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": panelist.id,
        "name": panelist.name,
        "email": panelist.email,
        "join_url": panelist.join_url,
    }
    for name in PANELIST_EXTRA:
        if name in panelist.extra:
            body[name] = panelist.extra[name]
    return body


@get(
    "/webinars/{webinarId:str}/panelists",
    opt={**API, "category": "medium", "operation": "webinarPanelists"},
)
async def panelists_list(request: Request[Any, Any, Any], webinarId: str) -> Response[bytes]:
    emulator = _emulator(request)
    webinar = emulator.meeting(webinarId, "webinar", token_of(request))
    panelists = [render_panelist(p) for p in webinar.panelists.values()]
    return json_response({"total_records": len(panelists), "panelists": panelists})


@post(
    "/webinars/{webinarId:str}/panelists",
    opt={**API, "category": "medium", "operation": "webinarPanelistCreate"},
    status_code=201,
)
async def panelists_add(request: Request[Any, Any, Any], webinarId: str) -> Response[bytes]:
    emulator = _emulator(request)
    webinar = emulator.meeting(webinarId, "webinar", token_of(request))
    body = await read_json(request, required=True)
    items = body.get("panelists")
    if not isinstance(items, list) or not items:
        raise validation_failed("panelists", "This field is required.")
    parsed: list[tuple[str, str, dict[str, Any]]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise validation_failed(f"panelists[{i}]")
        email = item.get("email")
        name = item.get("name")
        if not isinstance(email, str) or not email:
            raise validation_failed(f"panelists[{i}].email", "This field is required.")
        check_email(email, f"panelists[{i}].email")
        if not isinstance(name, str) or not name:
            raise validation_failed(f"panelists[{i}].name", "This field is required.")
        extra = {k: str(item[k]) for k in PANELIST_EXTRA if item.get(k) is not None}
        parsed.append((email, name, extra))
    existing = {p.email.lower(): p for p in webinar.panelists.values()}
    new = {email.lower() for email, _, _ in parsed if email.lower() not in existing}
    if len(webinar.panelists) + len(new) > emulator.config.panelist_limit:
        raise ZoomError(
            400,
            3000,
            "You have reached the limit for the number of panelists you can add. Contact "
            "Zoom Support for more information.",
        )
    for email, name, extra in parsed:
        panelist = existing.get(email.lower())
        if panelist is not None:
            panelist.name = name
            panelist.extra.update(extra)
            continue
        pid = emulator.ids.registrant_id()
        webinar.panelists[pid] = Panelist(
            id=pid,
            name=name,
            email=email,
            join_url=f"{emulator.public_base_url}/w/{webinar.id}?tk={emulator.ids.opaque(40)}",
            extra=extra,
        )
        existing[email.lower()] = webinar.panelists[pid]
    return json_response(
        {"id": str(webinar.id), "updated_at": isoformat(emulator.clock.now())}, status=201
    )


@delete(
    "/webinars/{webinarId:str}/panelists",
    opt={**API, "category": "light", "operation": "webinarPanelistsDelete"},
    status_code=200,
)
async def panelists_clear(request: Request[Any, Any, Any], webinarId: str) -> Response[bytes]:
    emulator = _emulator(request)
    webinar = emulator.meeting(webinarId, "webinar", token_of(request))
    webinar.panelists.clear()
    return empty_response(204)


@delete(
    "/webinars/{webinarId:str}/panelists/{panelistId:str}",
    opt={**API, "category": "light", "operation": "webinarPanelistDelete"},
    status_code=200,
)
async def panelist_delete(
    request: Request[Any, Any, Any],
    webinarId: str,
    panelistId: str,
) -> Response[bytes]:
    emulator = _emulator(request)
    webinar = emulator.meeting(webinarId, "webinar", token_of(request))
    if webinar.panelists.pop(panelistId, None) is None:
        raise ZoomError(400, 300, f"Panelist does not exist: {panelistId}.")
    return empty_response(204)


# ---------------------------------------------------------------------- polls


def render_poll(poll: Poll) -> dict[str, Any]:
    return {
        "id": poll.id,
        "status": poll.status,
        "anonymous": poll.anonymous,
        "poll_type": poll.poll_type,
        "questions": [dict(q) for q in poll.questions],
        "title": poll.title,
    }


def _poll_fields(
    body: dict[str, Any], poll: Poll | None
) -> tuple[str, bool, int, list[dict[str, Any]]]:
    title = body.get("title", poll.title if poll else None)
    if not isinstance(title, str) or not title or len(title) > 64:
        raise validation_failed("title")
    anonymous = body.get("anonymous", poll.anonymous if poll else False)
    if not isinstance(anonymous, bool):
        raise validation_failed("anonymous")
    poll_type = body.get("poll_type", poll.poll_type if poll else 1)
    if poll_type not in (1, 2, 3):
        raise validation_failed("poll_type")
    questions = body.get("questions", poll.questions if poll else None)
    if not isinstance(questions, list) or not questions:
        raise validation_failed("questions", "This field is required.")
    for i, question in enumerate(questions):
        if not isinstance(question, dict):
            raise validation_failed(f"questions[{i}]")
        name = question.get("name")
        if not isinstance(name, str) or not name or len(name) > 1024:
            raise validation_failed(f"questions[{i}].name")
        if question.get("type", "single") not in QUESTION_TYPES:
            raise validation_failed(f"questions[{i}].type")
        answers = question.get("answers")
        if answers is not None and (
            not isinstance(answers, list) or not all(isinstance(a, str) for a in answers)
        ):
            raise validation_failed(f"questions[{i}].answers")
    return title, anonymous, poll_type, [dict(q) for q in questions]


def _poll(meeting: Meeting, poll_id: str) -> Poll:
    poll = meeting.polls.get(poll_id)
    if poll is None:
        raise ZoomError(404, 3001, f"Poll does not exist: {poll_id}.")
    return poll


def _poll_routes(kind: Kind) -> list[Any]:
    pid = "meetingId" if kind == "meeting" else "webinarId"
    base = f"/{kind}s/{{{pid}:str}}/polls"
    prefix = "meeting" if kind == "meeting" else "webinar"

    @get(base, opt={**API, "category": "light", "operation": f"{prefix}Polls"})
    async def polls_list(request: Request[Any, Any, Any]) -> Response[bytes]:
        emulator = _emulator(request)
        meeting = emulator.meeting(request.path_params[pid], kind, token_of(request))
        polls = [render_poll(p) for p in meeting.polls.values()]
        return json_response({"total_records": len(polls), "polls": polls})

    @post(
        base, opt={**API, "category": "light", "operation": f"{prefix}PollCreate"}, status_code=201
    )
    async def poll_create(request: Request[Any, Any, Any]) -> Response[bytes]:
        emulator = _emulator(request)
        meeting = emulator.meeting(request.path_params[pid], kind, token_of(request))
        title, anonymous, poll_type, questions = _poll_fields(await read_json(request, True), None)
        poll = Poll(emulator.ids.registrant_id(), title, anonymous, poll_type, questions)
        meeting.polls[poll.id] = poll
        return json_response(render_poll(poll), status=201)

    @get(
        f"{base}/{{pollId:str}}", opt={**API, "category": "light", "operation": f"{prefix}PollGet"}
    )
    async def poll_get(request: Request[Any, Any, Any]) -> Response[bytes]:
        emulator = _emulator(request)
        meeting = emulator.meeting(request.path_params[pid], kind, token_of(request))
        return json_response(render_poll(_poll(meeting, request.path_params["pollId"])))

    @put(
        f"{base}/{{pollId:str}}",
        opt={**API, "category": "light", "operation": f"{prefix}PollUpdate"},
        status_code=200,
    )
    async def poll_update(request: Request[Any, Any, Any]) -> Response[bytes]:
        emulator = _emulator(request)
        meeting = emulator.meeting(request.path_params[pid], kind, token_of(request))
        poll = _poll(meeting, request.path_params["pollId"])
        body = await read_json(request, True)
        poll.title, poll.anonymous, poll.poll_type, poll.questions = _poll_fields(body, poll)
        return empty_response(204)

    @delete(
        f"{base}/{{pollId:str}}",
        opt={**API, "category": "light", "operation": f"{prefix}PollDelete"},
        status_code=200,
    )
    async def poll_delete(request: Request[Any, Any, Any]) -> Response[bytes]:
        emulator = _emulator(request)
        meeting = emulator.meeting(request.path_params[pid], kind, token_of(request))
        _poll(meeting, request.path_params["pollId"])
        del meeting.polls[request.path_params["pollId"]]
        return empty_response(204)

    return [polls_list, poll_create, poll_get, poll_update, poll_delete]


ROUTES = [
    panelists_list,
    panelists_add,
    panelists_clear,
    panelist_delete,
    *_poll_routes("meeting"),
    *_poll_routes("webinar"),
]
