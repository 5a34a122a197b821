"""The facts the hub passes to plugins.

Every hook argument is one of these msgspec Structs, never a dict: plugins written by third
parties get a typed, documented contract, and the ingest API validates request bodies against
the very same types, so what a plugin receives is exactly what was accepted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

Text = Annotated[str, Meta(min_length=1, max_length=200)]
LongText = Annotated[str, Meta(max_length=10_000)]
Identifier = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@-]+$")]
AwareDatetime = Annotated[datetime, Meta(tz=True)]
Minutes = Annotated[int, Meta(ge=1, le=60 * 24 * 30)]
Capacity = Annotated[int, Meta(ge=1, le=1_000_000)]
Name = Annotated[str, Meta(min_length=1, max_length=64)]
ShortText = Annotated[str, Meta(max_length=256)]

EventFormat = Literal["meeting", "webinar", "auto"]
MeetingKind = Literal["meeting", "webinar"]


class EventSession(Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """One session of a multi-session event (a conference day, a workshop part).

    A provider creates one meeting or webinar per session and registers every ticket holder
    to each of them.
    """

    id: Identifier
    title: Text | None = None
    starts_at: AwareDatetime
    duration_minutes: Minutes


class Event(Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A virtual event as the ticketing platform published it.

    ``provider_settings`` holds per-provider overrides keyed by provider name (for example
    ``{"zoom": {"waiting_room": false, "host": "host@example.com"}}``); the hub passes it
    through untouched because only the provider knows its own settings.
    """

    id: Identifier
    title: Text
    description: LongText = ""
    starts_at: AwareDatetime
    duration_minutes: Minutes
    timezone: Annotated[str, Meta(min_length=1, max_length=64)]
    capacity: Capacity
    format: EventFormat = "auto"
    video_provider: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    instant: bool = False
    sessions: list[EventSession] = []
    provider_settings: dict[str, dict[str, Any]] = {}


class Ticket(Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A sold ticket: its holder becomes a registrant of the event's meeting or webinar."""

    id: Identifier
    event_id: Identifier
    email: Annotated[str, Meta(min_length=3, max_length=254)]
    first_name: Name
    last_name: Annotated[str, Meta(max_length=64)] = ""
    org: ShortText | None = None
    job_title: ShortText | None = None
    phone: Annotated[str, Meta(max_length=32)] | None = None
    answers: dict[Annotated[str, Meta(max_length=200)], ShortText] = {}


class Refund(Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A refunded ticket: its holder must end up unregistered whatever the timing."""

    ticket_id: Identifier
    event_id: Identifier


class DialInNumber(Struct, kw_only=True, frozen=True):
    """A telephone dial-in number for a meeting (Zoom's ``global_dial_in_numbers`` entry)."""

    number: str
    country: str | None = None
    country_name: str | None = None
    city: str | None = None
    type: str | None = None


class MeetingDetails(Struct, kw_only=True, frozen=True):
    """What a video provider created for an event (or one session of it).

    Reported by the provider through :meth:`hub.context.DeliveryContext.report_meeting_details`;
    ticketing plugins receive it in ``on_meeting_details`` to update the event page. The host
    start URL is deliberately absent: it grants host rights and never leaves the provider.
    """

    event_id: str
    provider: str
    kind: MeetingKind
    meeting_id: str
    join_url: str | None = None
    passcode: str | None = None
    dial_in: list[DialInNumber] = []
    registration_url: str | None = None
    session_id: str | None = None
    status: Literal["active", "deleted", "cancelled", "error"] = "active"
    message: str | None = None


class Registration(Struct, kw_only=True, frozen=True):
    """The state of one ticket holder's registration with the provider.

    ``status`` is "registered" (``join_url`` is the holder's personal link), "cancelled"
    (after a refund), "skipped" (the provider cannot register this person, e.g. the host) or
    "failed" (a permanent error; ``message`` says why).
    """

    event_id: str
    ticket_id: str
    provider: str
    status: Literal["registered", "cancelled", "skipped", "failed"]
    join_url: str | None = None
    registrant_id: str | None = None
    session_id: str | None = None
    message: str | None = None


class AttendanceRecord(Struct, kw_only=True, frozen=True):
    """One person's attendance of an event (or of one session when ``session_id`` is set).

    ``minutes`` counts overlapping connections once (a re-join or a second device never
    double-counts). ``guest`` is true for participants matched to no ticket. ``intervals``,
    when the provider reports them, are the person's merged, disjoint connection intervals
    (what "people in the room over time" is drawn from); empty means only ``first_join``
    and ``last_leave`` are known.
    """

    event_id: str
    ticket_id: str | None
    email: str | None
    name: str
    first_join: datetime | None
    last_leave: datetime | None
    minutes: float
    sessions_count: int
    attended: bool
    guest: bool = False
    session_id: str | None = None
    poll_answers: list[dict[str, Any]] = []
    questions: list[str] = []
    intervals: list[tuple[datetime, datetime]] = []


class AttendanceReport(Struct, kw_only=True, frozen=True):
    """A provider's attendance for an event; ``final`` once the authoritative report is in."""

    event_id: str
    provider: str
    final: bool
    records: list[AttendanceRecord]


class RecordingFile(Struct, kw_only=True, frozen=True):
    """One file of a cloud recording (video, audio, transcript, chat...)."""

    id: str
    file_type: str
    file_size: int | None = None
    recording_type: str | None = None
    play_url: str | None = None
    download_url: str | None = None
    recording_start: datetime | None = None
    recording_end: datetime | None = None
    status: str | None = None


class Recording(Struct, kw_only=True, frozen=True):
    """A cloud recording of an event's meeting, ready to be shared with attendees."""

    event_id: str
    provider: str
    meeting_id: str
    share_url: str | None = None
    passcode: str | None = None
    session_id: str | None = None
    files: list[RecordingFile] = []


class WebhookDelivery(Struct, kw_only=True, frozen=True):
    """A provider webhook that was verified by the provider's route and stored durably.

    ``payload`` is the parsed JSON body; the signature was already checked over the raw bytes
    before the hub accepted it.
    """

    id: int
    provider: str
    event_type: str
    received_at: datetime
    payload: dict[str, Any]
    account_id: str | None = None


class VideoProvider(Struct, kw_only=True, frozen=True):
    """A video provider a plugin offers, chosen by ``name`` per event or as the default.

    ``formats`` says which meeting kinds the provider can create; an event asking for a
    format the provider lacks is refused at ingest.
    """

    name: str
    description: str = ""
    formats: tuple[MeetingKind, ...] = ("meeting",)


class MigrationSource(Struct, kw_only=True, frozen=True):
    """Where a plugin keeps its Alembic revisions; its tables migrate with the hub's."""

    branch: str
    directory: str


def to_builtins(value: Any) -> Any:
    """Plain JSON-ready data for storage; datetimes become RFC 3339 strings."""
    return msgspec.to_builtins(value)
