"""Meeting and webinar registration.

Rules reproduced from Zoom (notes §1.1, §4):

* registration must be enabled (``settings.approval_type`` 0 or 1);
* the host cannot register (3027; Zoom documents it for webinars, applied to meetings
  as well); non-recurring meetings that were held and ended refuse registrations
  (3038); capacity is enforced (3043 on add, 3035 when approving a webinar registrant);
* registering an email again returns the same ``registrant_id`` and ``join_url`` and
  still counts against the 3-a-day limit per registrant and meeting;
* status changes (approve/deny/cancel) are limited to 10 a day per registrant;
* ``batch_registrants`` takes at most 30 registrants, type-2 meetings / type-5 webinars.

Every new registration and status change sends the matching ``*.registration_*``
webhook.  A cancelled registrant is listed under ``status=denied``: Zoom's list filter
and the registrant schema only know pending/approved/denied, and the web portal shows
cancelled registrations in the denied tab.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, delete, get, post, put

from .clock import isoformat
from .errors import ZoomError, validation_failed
from .httputil import (
    check_email,
    empty_response,
    json_response,
    opt_bool,
    query,
    read_json,
    token_of,
)
from .models import Kind, Meeting, Registrant, User
from .ratelimits import (
    REGISTRATIONS_PER_REGISTRANT_PER_DAY,
    STATUS_CHANGES_PER_REGISTRANT_PER_DAY,
    registration_limit_message,
    status_limit_message,
)
from .scheduling import meeting_is_over, webhook_object
from .state import ZoomEmulator

API = {"zoom": "api"}
OPTIONAL_FIELDS = (
    "address",
    "city",
    "country",
    "zip",
    "state",
    "phone",
    "industry",
    "org",
    "job_title",
    "purchasing_time_frame",
    "role_in_purchase_process",
    "no_of_employees",
    "comments",
)
MAX_BATCH = 30


# ---------------------------------------------------------------------- rendering


def public_status(registrant: Registrant) -> str:
    return "denied" if registrant.status == "cancelled" else registrant.status


def render_registrant(meeting: Meeting, registrant: Registrant) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": registrant.id,
        "email": registrant.email,
        "first_name": registrant.first_name,
        "last_name": registrant.last_name,
    }
    for name in OPTIONAL_FIELDS:
        body[name] = str(registrant.extra.get(name, ""))
    body["custom_questions"] = list(registrant.extra.get("custom_questions", []))
    body["status"] = public_status(registrant)
    body["create_time"] = isoformat(registrant.create_time)
    body["join_url"] = registrant.join_url
    if meeting.kind == "meeting":
        body["participant_pin_code"] = registrant.participant_pin_code
    return body


def registrant_webhook_object(meeting: Meeting, registrant: Registrant) -> dict[str, Any]:
    obj = webhook_object(meeting)
    if meeting.occurrences:
        obj["occurrences"] = [
            {"occurrence_id": o["occurrence_id"], "start_time": o["start_time"]}
            for o in meeting.occurrences
            if o["status"] == "available"
        ]
    reg = render_registrant(meeting, registrant)
    reg.pop("create_time", None)
    reg["status"] = registrant.status if registrant.status != "cancelled" else "denied"
    obj["registrant"] = reg
    return obj


def _occurrences_short(meeting: Meeting) -> list[dict[str, Any]]:
    return [
        {
            "occurrence_id": o["occurrence_id"],
            "start_time": o["start_time"],
            "duration": o["duration"],
            "status": o["status"],
        }
        for o in meeting.occurrences
    ]


# ---------------------------------------------------------------------- rules


def _registration_disabled(meeting: Meeting, batch: bool) -> ZoomError:
    if meeting.kind == "webinar":
        if batch:
            return ZoomError(
                400, 3000, f"Registration has not been enabled for this webinar: {meeting.id}."
            )
        return ZoomError(
            400, 3000, f"This webinar does not have registration as required: {meeting.id}."
        )
    if batch:
        return ZoomError(
            400, 404, f"Registration has not been enabled for this meeting: {meeting.id}."
        )
    return ZoomError(
        400, 3000, f"Registration has not been enabled for this meeting: {meeting.id}."
    )


def _over(meeting: Meeting) -> ZoomError:
    if meeting.kind == "webinar":
        return ZoomError(
            400,
            3038,
            "Webinar is over, you cannot register now. If you have any questions, contact "
            "the webinar host.",
        )
    return ZoomError(
        400,
        3038,
        "Meeting is over, you can not register now. If you have any questions, please "
        "contact the Meeting host.",
    )


def _capacity(meeting: Meeting) -> ZoomError:
    noun = "Webinar" if meeting.kind == "webinar" else "Meeting"
    return ZoomError(400, 3043, f"{noun} has reached maximum attendee capacity.")


def capacity_of(emulator: ZoomEmulator, meeting: Meeting) -> int:
    if meeting.kind == "webinar":
        capacity = emulator.config.webinar_capacity
        restrict = meeting.settings.get("registrants_restrict_number") or 0
        return min(capacity, restrict) if restrict else capacity
    return emulator.config.meeting_registrant_limit


def _active_count(meeting: Meeting) -> int:
    return sum(1 for r in meeting.registrants.values() if r.status in ("approved", "pending"))


def _validate_registrant_body(item: Any, prefix: str = "") -> tuple[str, str, str]:
    if not isinstance(item, dict):
        raise validation_failed(prefix.rstrip(".") or "body")
    email = item.get("email")
    first = item.get("first_name")
    if not isinstance(email, str) or not email:
        raise validation_failed(f"{prefix}email", "This field is required.")
    check_email(email, f"{prefix}email")
    if not isinstance(first, str) or not first:
        raise validation_failed(f"{prefix}first_name", "This field is required.")
    if len(first) > 64:
        raise validation_failed(f"{prefix}first_name")
    last = item.get("last_name") or ""
    if not isinstance(last, str) or len(last) > 64:
        raise validation_failed(f"{prefix}last_name")
    questions = item.get("custom_questions")
    if questions is not None and (
        not isinstance(questions, list)
        or not all(isinstance(q, dict) and len(str(q.get("value", ""))) <= 128 for q in questions)
    ):
        raise validation_failed(f"{prefix}custom_questions")
    return email, first, last


def check_can_register(emulator: ZoomEmulator, meeting: Meeting, email: str) -> None:
    host = emulator.host_of(meeting)
    if email.lower() == host.email.lower():
        raise ZoomError(400, 3027, "Host cannot register.")
    if meeting.kind == "webinar" and any(
        p.email.lower() == email.lower() for p in meeting.panelists.values()
    ):
        raise ZoomError(
            400,
            3000,
            "You have been invited as a panelist for the webinar, please check your email "
            "to find more information about this webinar.",
        )


def register(
    emulator: ZoomEmulator,
    meeting: Meeting,
    item: dict[str, Any],
    auto_approve: bool | None,
    emit: bool = True,
) -> tuple[Registrant, bool]:
    """Add (or find) the registrant for ``item``; returns (registrant, is_new)."""
    email = item["email"]
    key = email.lower()
    existing_id = meeting.registrants_by_email.get(key)
    if existing_id is not None:
        registrant = meeting.registrants[existing_id]
        if registrant.status != "cancelled":
            return registrant, False
        # A cancelled registration becomes active again, same id and join URL.
        registrant.status = _initial_status(meeting, auto_approve)
        if emit:
            _emit(emulator, meeting, registrant, "registration_created")
        return registrant, True
    if _active_count(meeting) >= capacity_of(emulator, meeting):
        raise _capacity(meeting)
    extra = {name: str(item[name]) for name in OPTIONAL_FIELDS if item.get(name) is not None}
    if item.get("custom_questions"):
        extra["custom_questions"] = [
            {"title": str(q.get("title", "")), "value": str(q.get("value", ""))}
            for q in item["custom_questions"]
        ]
    for name in ("language", "source_id"):
        if item.get(name) is not None:
            extra[name] = str(item[name])
    registrant_id = emulator.ids.registrant_id()
    tk = emulator.ids.opaque(40)
    letter = "j" if meeting.kind == "meeting" else "w"
    registrant = Registrant(
        id=registrant_id,
        meeting_id=meeting.id,
        email=email,
        first_name=item["first_name"],
        last_name=item.get("last_name") or "",
        status=_initial_status(meeting, auto_approve),
        create_time=emulator.clock.now().replace(microsecond=0),
        join_url=f"{emulator.public_base_url}/{letter}/{meeting.id}?tk={tk}",
        participant_pin_code=int(emulator.ids.digits(6)),
        extra=extra,
    )
    meeting.registrants[registrant_id] = registrant
    meeting.registrants_by_email[key] = registrant_id
    if emit:
        _emit(emulator, meeting, registrant, "registration_created")
    return registrant, True


def _initial_status(meeting: Meeting, auto_approve: bool | None) -> Any:
    if auto_approve or meeting.settings.get("approval_type") == 0:
        return "approved"
    return "pending"


def _emit(
    emulator: ZoomEmulator,
    meeting: Meeting,
    registrant: Registrant,
    suffix: str,
    operator: User | None = None,
) -> None:
    emulator.emit(
        meeting.account_id,
        f"{meeting.kind}.{suffix}",
        registrant_webhook_object(meeting, registrant),
        operator=operator,
    )


def cancel_registrant(
    emulator: ZoomEmulator, meeting: Meeting, registrant: Registrant, operator: User | None
) -> None:
    registrant.status = "cancelled"
    _emit(emulator, meeting, registrant, "registration_cancelled", operator)


# ---------------------------------------------------------------------- handlers


def _emulator(request: Request[Any, Any, Any]) -> ZoomEmulator:
    return request.app.state.emulator  # type: ignore[no-any-return]


def _limits_for(
    emulator: ZoomEmulator,
    meeting: Meeting,
    emails: list[str],
    batch: bool,
    account: str,
    category: str,
) -> None:
    for email in emails:
        emulator.rate_limits.check_user_limit(
            ("registration", str(meeting.id), email.lower()),
            REGISTRATIONS_PER_REGISTRANT_PER_DAY,
            registration_limit_message(meeting.kind, batch, email),
            account,
            category,
        )


async def add(request: Request[Any, Any, Any], ref: str, kind: Kind) -> Response[bytes]:
    emulator = _emulator(request)
    token = token_of(request)
    meeting = emulator.meeting(ref, kind, token)
    body = await read_json(request, required=True)
    email, _, _ = _validate_registrant_body(body)
    auto_approve = opt_bool(body, "auto_approve")
    if not meeting.registration_enabled:
        raise _registration_disabled(meeting, batch=False)
    if meeting_is_over(emulator, meeting):
        raise _over(meeting)
    check_can_register(emulator, meeting, email)
    _limits_for(emulator, meeting, [email], False, token.grant.account_id, "light")
    registrant, _ = register(emulator, meeting, body, auto_approve)
    emulator.rate_limits.consume_user_limit(("registration", str(meeting.id), email.lower()))
    result: dict[str, Any] = {"id": meeting.id, "registrant_id": registrant.id}
    if meeting.start_time is not None:
        result["start_time"] = isoformat(meeting.start_time)
    result["topic"] = meeting.topic
    if meeting.occurrences:
        result["occurrences"] = _occurrences_short(meeting)
    result["join_url"] = registrant.join_url
    if kind == "meeting":
        result["participant_pin_code"] = registrant.participant_pin_code
    return json_response(result, status=201)


async def batch_add(request: Request[Any, Any, Any], ref: str, kind: Kind) -> Response[bytes]:
    emulator = _emulator(request)
    token = token_of(request)
    meeting = emulator.meeting(ref, kind, token)
    body = await read_json(request, required=True)
    items = body.get("registrants")
    if not isinstance(items, list) or not items:
        raise validation_failed("registrants", "This field is required.")
    if len(items) > MAX_BATCH:
        raise validation_failed("registrants", f"size must be between 1 and {MAX_BATCH}")
    parsed = [_validate_registrant_body(item, f"registrants[{i}].") for i, item in enumerate(items)]
    auto_approve = opt_bool(body, "auto_approve")
    opt_bool(body, "registrants_confirmation_email")
    if kind == "meeting" and meeting.type != 2:
        raise ZoomError(
            400,
            303,
            "This API can only be used for scheduled meeting(meeting type: 2). Batch "
            "registration is not supported for other meeting types.",
        )
    if kind == "webinar" and meeting.type != 5:
        raise ZoomError(
            400,
            300,
            "This API can only be used for scheduled webinars (type 5). Batch registration "
            "is not supported for other webinar types.",
        )
    if not meeting.registration_enabled:
        raise _registration_disabled(meeting, batch=True)
    if meeting_is_over(emulator, meeting):
        raise _over(meeting)
    emails = [email for email, _, _ in parsed]
    for email in emails:
        check_can_register(emulator, meeting, email)
    new_emails = {e.lower() for e in emails if e.lower() not in meeting.registrants_by_email}
    if _active_count(meeting) + len(new_emails) > capacity_of(emulator, meeting):
        raise _capacity(meeting)
    _limits_for(emulator, meeting, emails, True, token.grant.account_id, "heavy")
    results = []
    for item, email in zip(items, emails, strict=True):
        registrant, _ = register(emulator, meeting, item, auto_approve)
        emulator.rate_limits.consume_user_limit(("registration", str(meeting.id), email.lower()))
        entry: dict[str, Any] = {
            "registrant_id": registrant.id,
            "email": registrant.email,
            "join_url": registrant.join_url,
        }
        if kind == "meeting":
            entry["participant_pin_code"] = registrant.participant_pin_code
        results.append(entry)
    # The spec keys this response "201" while its text says "HTTP 200 OK" (notes §1.1);
    # we follow the key, clients should accept both.
    return json_response({"registrants": results}, status=201)


async def list_all(request: Request[Any, Any, Any], ref: str, kind: Kind) -> Response[bytes]:
    emulator = _emulator(request)
    meeting = emulator.meeting(ref, kind, token_of(request))
    params = query(request)
    status = params.get("status") or "approved"
    if status not in ("pending", "approved", "denied"):
        raise validation_failed("status")
    items = [r for r in meeting.registrants.values() if public_status(r) == status]
    page = emulator.paginator.page(items, params, scope=f"registrants:{meeting.id}:{status}")
    page.items = [render_registrant(meeting, r) for r in page.items]
    return json_response(page.envelope("registrants"))


def _find(meeting: Meeting, registrant_id: str) -> Registrant:
    registrant = meeting.registrants.get(registrant_id)
    if registrant is None:
        if meeting.kind == "webinar":
            raise ZoomError(400, 3079, f"This registrant does not exist: {registrant_id}.")
        raise ZoomError(400, 300, f"Registrant does not exist: {registrant_id}.")
    return registrant


async def get_one(
    request: Request[Any, Any, Any], ref: str, rid: str, kind: Kind
) -> Response[bytes]:
    emulator = _emulator(request)
    meeting = emulator.meeting(ref, kind, token_of(request))
    if not meeting.registration_enabled:
        raise _registration_disabled(meeting, batch=False)
    return json_response(render_registrant(meeting, _find(meeting, rid)))


async def remove(
    request: Request[Any, Any, Any], ref: str, rid: str, kind: Kind
) -> Response[bytes]:
    emulator = _emulator(request)
    token = token_of(request)
    meeting = emulator.meeting(ref, kind, token)
    registrant = _find(meeting, rid)
    del meeting.registrants[registrant.id]
    meeting.registrants_by_email.pop(registrant.email.lower(), None)
    registrant.status = "cancelled"
    _emit(
        emulator,
        meeting,
        registrant,
        "registration_cancelled",
        emulator.users.get(token.grant.user_id),
    )
    return empty_response(204)


async def update_status(request: Request[Any, Any, Any], ref: str, kind: Kind) -> Response[bytes]:
    emulator = _emulator(request)
    token = token_of(request)
    meeting = emulator.meeting(ref, kind, token)
    body = await read_json(request, required=True)
    action = body.get("action")
    if action not in ("approve", "deny", "cancel"):
        raise validation_failed("action")
    refs = body.get("registrants")
    if not isinstance(refs, list) or not refs:
        raise validation_failed("registrants", "This field is required.")
    if not meeting.registration_enabled:
        if kind == "webinar":
            raise ZoomError(
                400, 300, f"Registration has not been enabled for this meeting: {meeting.id}."
            )
        raise _registration_disabled(meeting, batch=False)
    targets: list[Registrant] = []
    for i, entry in enumerate(refs):
        if not isinstance(entry, dict):
            raise validation_failed(f"registrants[{i}]")
        rid = entry.get("id")
        email = entry.get("email")
        registrant = None
        if isinstance(rid, str) and rid:
            registrant = meeting.registrants.get(rid)
        elif isinstance(email, str) and email:
            found = meeting.registrants_by_email.get(email.lower())
            registrant = meeting.registrants.get(found) if found else None
        if registrant is None:
            raise _find(meeting, str(rid or email))  # type: ignore[misc]
        targets.append(registrant)
    for registrant in targets:
        emulator.rate_limits.check_user_limit(
            ("registrant_status", registrant.id),
            STATUS_CHANGES_PER_REGISTRANT_PER_DAY,
            status_limit_message(kind),
            token.grant.account_id,
            "medium",
        )
    if action == "approve" and kind == "webinar":
        approved = sum(1 for r in meeting.registrants.values() if r.status == "approved")
        incoming = sum(1 for r in targets if r.status != "approved")
        if approved + incoming > capacity_of(emulator, meeting):
            raise ZoomError(400, 3035, "Webinar has reached maximum attendee capacity.")
    operator = emulator.users.get(token.grant.user_id)
    for registrant in targets:
        emulator.rate_limits.consume_user_limit(("registrant_status", registrant.id))
        if action == "approve" and registrant.status in ("pending", "denied"):
            registrant.status = "approved"
            _emit(emulator, meeting, registrant, "registration_approved", operator)
        elif action == "deny" and registrant.status in ("pending", "approved"):
            registrant.status = "denied"
            _emit(emulator, meeting, registrant, "registration_denied", operator)
        elif action == "cancel" and registrant.status in ("approved", "pending"):
            cancel_registrant(emulator, meeting, registrant, operator)
    return empty_response(204)


# ---------------------------------------------------------------------- routes


def _routes(kind: Kind) -> list[Any]:
    pid = "meetingId" if kind == "meeting" else "webinarId"
    base = f"/{kind}s/{{{pid}:str}}"
    prefix = kind

    @post(
        f"{base}/registrants",
        opt={**API, "category": "light", "operation": f"{prefix}RegistrantCreate"},
        status_code=201,
    )
    async def h_add(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await add(request, request.path_params[pid], kind)

    @get(
        f"{base}/registrants",
        opt={**API, "category": "medium", "operation": f"{prefix}Registrants"},
    )
    async def h_list(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await list_all(request, request.path_params[pid], kind)

    @post(
        f"{base}/batch_registrants",
        opt={**API, "category": "heavy", "operation": f"{prefix}BatchRegistrants"},
        status_code=201,
    )
    async def h_batch(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await batch_add(request, request.path_params[pid], kind)

    @put(
        f"{base}/registrants/status",
        opt={**API, "category": "medium", "operation": f"{prefix}RegistrantStatus"},
        status_code=200,
    )
    async def h_status(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await update_status(request, request.path_params[pid], kind)

    @get(
        f"{base}/registrants/{{registrantId:str}}",
        opt={**API, "category": "light", "operation": f"{prefix}RegistrantGet"},
    )
    async def h_get(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await get_one(
            request, request.path_params[pid], request.path_params["registrantId"], kind
        )

    @delete(
        f"{base}/registrants/{{registrantId:str}}",
        opt={**API, "category": "light", "operation": f"{prefix}RegistrantDelete"},
        status_code=200,
    )
    async def h_delete(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await remove(
            request, request.path_params[pid], request.path_params["registrantId"], kind
        )

    return [h_add, h_list, h_batch, h_status, h_get, h_delete]


ROUTES = [*_routes("meeting"), *_routes("webinar")]
