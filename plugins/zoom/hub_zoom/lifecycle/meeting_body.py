"""What to ask Zoom for: one meeting or webinar per event (or per session), and its body.

Everything here is pure (no I/O), so the choice of meeting vs webinar, the settings and
the per-event overrides can be read and tested in one place. Per-event overrides live in
``event.provider_settings["zoom"]`` and are validated here: a typo'd type is reported as
a permanent failure naming the field instead of a Zoom 300 after the meeting was half set up.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec
from msgspec import Struct

from hub.errors import PermanentFailure
from hub.models import Event, EventSession, MeetingKind
from hub_zoom.settings import MeetingDefaults, ZoomSettings

PROVIDER_KEY = "zoom"
MAX_TOPIC = 200
MAX_AGENDA = 2000
PASSCODE_LENGTH = 8  # Zoom accepts at most 10 characters
MEETING_INSTANT, MEETING_SCHEDULED, WEBINAR_SCHEDULED = 1, 2, 5
BATCHABLE_TYPES = frozenset({MEETING_SCHEDULED, WEBINAR_SCHEDULED})


class BreakoutRoom(Struct, kw_only=True):
    name: str
    participants: list[str] = []


class BreakoutRooms(Struct, kw_only=True):
    """Rooms pre-assigned by email, as Zoom's ``settings.breakout_room`` expects them."""

    enable: bool = True
    rooms: list[BreakoutRoom] = []


class PanelistInput(Struct, kw_only=True):
    name: str
    email: str


class EventZoomOptions(Struct, kw_only=True):
    """``event.provider_settings["zoom"]``: per-event overrides of ``[plugins.zoom]``.

    Unknown keys are ignored (a ticketing platform may keep its own notes there); the
    ``settings`` table is merged last into Zoom's ``settings`` object, for anything the
    hub does not model.
    """

    host: str | None = None
    account_id: str | None = None
    waiting_room: bool | None = None
    join_before_host: bool | None = None
    mute_upon_entry: bool | None = None
    auto_recording: Literal["none", "local", "cloud"] | None = None
    passcode: bool | None = None
    registrants_confirmation_email: bool | None = None
    registrants_email_notification: bool | None = None
    host_video: bool | None = None
    participant_video: bool | None = None
    question_and_answer: bool | None = None
    practice_session: bool | None = None
    breakout_room: BreakoutRooms | None = None
    polls: list[dict[str, Any]] = []
    panelists: list[PanelistInput] = []
    settings: dict[str, Any] = {}


def options_of(event: Event) -> EventZoomOptions:
    raw = event.provider_settings.get(PROVIDER_KEY) or {}
    try:
        options = msgspec.convert(raw, EventZoomOptions, strict=False)
    except msgspec.ValidationError as exc:
        raise PermanentFailure(
            f"event {event.id}: provider_settings.zoom is invalid: {exc}", code="settings"
        ) from None
    for index, poll in enumerate(options.polls):
        if not isinstance(poll.get("title"), str) or not poll["title"]:
            raise PermanentFailure(
                f"event {event.id}: provider_settings.zoom.polls[{index}].title is required",
                code="settings",
            )
    return options


def effective_defaults(defaults: MeetingDefaults, options: EventZoomOptions) -> MeetingDefaults:
    """The plugin's defaults with the event's overrides applied."""
    overrides = {
        field: getattr(options, field)
        for field in MeetingDefaults.__struct_fields__
        if getattr(options, field, None) is not None
    }
    return msgspec.structs.replace(defaults, **overrides) if overrides else defaults


def host_of(options: EventZoomOptions, settings: ZoomSettings) -> str:
    """The Zoom user hosting the event: spreading events over hosts spreads Zoom's
    per-host limit of 100 meeting creates and updates a day."""
    return options.host or settings.default_host


def kind_of(event: Event, settings: ZoomSettings) -> MeetingKind:
    """Meeting or webinar; ``auto`` picks a webinar above ``webinar_threshold`` seats.

    Instant events are always meetings: Zoom has no instant webinars.
    """
    if event.instant:
        return "meeting"
    if event.format == "auto":
        return "webinar" if event.capacity > settings.webinar_threshold else "meeting"
    return event.format


@dataclass(frozen=True)
class MeetingPlan:
    """One Zoom object to exist for an event: the event itself or one of its sessions."""

    session_key: str  # "" for a single-session event, else the session id
    session_id: str | None
    kind: MeetingKind
    zoom_type: int
    topic: str
    start_time: datetime
    duration: int
    timezone: str
    agenda: str

    @property
    def start_time_text(self) -> str:
        return zoom_time(self.start_time)


def zoom_time(value: datetime) -> str:
    """Zoom's UTC form ``yyyy-MM-ddTHH:mm:ssZ``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _topic(event: Event, session: EventSession | None, index: int, count: int) -> str:
    if session is None:
        return event.title[:MAX_TOPIC]
    suffix = session.title or f"Session {index + 1} of {count}"
    return f"{event.title}: {suffix}"[:MAX_TOPIC]


def plans_for(event: Event, settings: ZoomSettings) -> list[MeetingPlan]:
    """One plan per session (or one for the event); order follows the event's sessions."""
    kind = kind_of(event, settings)
    zoom_type = (
        MEETING_INSTANT
        if event.instant
        else WEBINAR_SCHEDULED
        if kind == "webinar"
        else MEETING_SCHEDULED
    )
    agenda = event.description[:MAX_AGENDA]
    if not event.sessions:
        return [
            MeetingPlan(
                session_key="",
                session_id=None,
                kind=kind,
                zoom_type=zoom_type,
                topic=_topic(event, None, 0, 1),
                start_time=event.starts_at.astimezone(UTC),
                duration=event.duration_minutes,
                timezone=event.timezone,
                agenda=agenda,
            )
        ]
    count = len(event.sessions)
    return [
        MeetingPlan(
            session_key=session.id,
            session_id=session.id,
            kind=kind,
            zoom_type=zoom_type,
            topic=_topic(event, session, index, count),
            start_time=session.starts_at.astimezone(UTC),
            duration=session.duration_minutes,
            timezone=event.timezone,
            agenda=agenda,
        )
        for index, session in enumerate(event.sessions)
    ]


def new_passcode() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(PASSCODE_LENGTH))


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def zoom_settings(plan: MeetingPlan, options: EventZoomOptions, settings: ZoomSettings) -> dict:
    """Zoom's ``settings`` object: registration required and auto-approved, plus defaults."""
    d = effective_defaults(settings.defaults, options)
    body: dict[str, Any] = {
        "host_video": d.host_video,
        "auto_recording": d.auto_recording,
    }
    if plan.zoom_type == MEETING_INSTANT:
        body["approval_type"] = 2  # no registration: instant meetings cannot take any
    else:
        body.update(
            approval_type=0,
            registration_type=1,
            registrants_confirmation_email=d.registrants_confirmation_email,
            registrants_email_notification=d.registrants_email_notification,
        )
    if plan.kind == "meeting":
        body.update(
            waiting_room=d.waiting_room,
            join_before_host=d.join_before_host,
            mute_upon_entry=d.mute_upon_entry,
            participant_video=d.participant_video,
        )
        if options.breakout_room is not None:
            body["breakout_room"] = msgspec.to_builtins(options.breakout_room)
    else:
        body.update(
            question_and_answer={"enable": d.question_and_answer},
            practice_session=d.practice_session,
        )
    return _merge(body, options.settings)


def schedule_fields(plan: MeetingPlan) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "topic": plan.topic,
        "duration": plan.duration,
        "timezone": plan.timezone,
        "agenda": plan.agenda,
    }
    if plan.zoom_type != MEETING_INSTANT:
        fields["start_time"] = plan.start_time_text
    return fields


def create_body(plan: MeetingPlan, options: EventZoomOptions, settings: ZoomSettings) -> dict:
    body = {"type": plan.zoom_type, **schedule_fields(plan)}
    if effective_defaults(settings.defaults, options).passcode:
        body["password"] = new_passcode()
    body["settings"] = zoom_settings(plan, options, settings)
    return body


def update_body(plan: MeetingPlan, options: EventZoomOptions, settings: ZoomSettings) -> dict:
    """The PATCH body: schedule and settings; never the type or the passcode."""
    return {**schedule_fields(plan), "settings": zoom_settings(plan, options, settings)}


def body_hash(body: dict[str, Any]) -> str:
    """Fingerprint of what Zoom was last sent, so a redelivered update costs no API call
    (PATCH counts against the host's 100 creates and updates a day)."""
    return hashlib.sha256(msgspec.json.encode(body, order="sorted")).hexdigest()[:32]
