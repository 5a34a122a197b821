"""In-memory records of the emulated Zoom world.

Plain mutable dataclasses: the emulator owns them and renders Zoom's JSON from them in
the route modules, so the records keep only what Zoom would store, not response shapes.
Meetings and webinars share one record type (``kind``) because Zoom treats them alike
for registration, instances, reports and recordings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Kind = Literal["meeting", "webinar"]
RegistrantStatus = Literal["approved", "pending", "denied", "cancelled"]


@dataclass
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    type: int
    account_id: str
    timezone: str
    pmi: int
    created_at: datetime
    webinar: bool
    role_name: str
    status: str

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Registrant:
    id: str
    meeting_id: int
    email: str
    first_name: str
    last_name: str
    status: RegistrantStatus
    create_time: datetime
    join_url: str
    participant_pin_code: int
    #: Optional Zoom registrant fields (address, city, org, custom_questions ...).
    extra: dict[str, Any] = field(default_factory=dict)
    occurrence_ids: list[str] = field(default_factory=list)


@dataclass
class Panelist:
    id: str
    name: str
    email: str
    join_url: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Poll:
    id: str
    title: str
    anonymous: bool
    poll_type: int
    questions: list[dict[str, Any]]
    status: str = "notstart"


@dataclass
class Session:
    """One participant on one device, from join to leave."""

    user_id: str  # per-join numeric id, as in Zoom's participant events
    participant_user_id: str  # stable per person within the meeting
    participant_uuid: str
    zoom_user_id: str  # Zoom user id of a signed-in user, "" for guests
    name: str
    email: str
    registrant_id: str | None
    device_id: str
    role: str  # host, attendee, panelist
    join_time: datetime
    leave_time: datetime | None = None
    leave_reason: str | None = None
    customer_key: str = ""
    phone_number: str = ""
    internal_user: bool = False
    person_key: str = ""  # who this is (registrant, user, panelist or guest)


@dataclass
class RecordingFile:
    id: str
    file_type: str
    file_extension: str
    recording_type: str
    recording_start: datetime
    recording_end: datetime
    content: bytes
    download_key: str
    status: str = "completed"
    deleted_time: datetime | None = None  # set while in the trash

    @property
    def file_size(self) -> int:
        return len(self.content)


@dataclass
class Recording:
    """The cloud recording of one meeting instance."""

    meeting_id: int
    uuid: str
    created_at: datetime
    password: str
    play_passcode: str
    share_token: str
    files: list[RecordingFile] = field(default_factory=list)
    download_token: str = ""
    #: ``GET/PATCH /meetings/{id}/recordings/settings`` (the password is ``password``).
    settings: dict[str, Any] = field(
        default_factory=lambda: {
            "share_recording": "none",
            "recording_authentication": False,
            "viewer_download": True,
            "on_demand": False,
            "approval_type": 2,
            "send_email_to_host": False,
            "show_social_share_buttons": True,
            "auto_delete": False,
        }
    )


@dataclass
class Instance:
    """One occurrence of a meeting actually being held (one UUID)."""

    uuid: str
    meeting_id: int
    start_time: datetime
    end_time: datetime | None = None
    practice_session: bool = False
    sessions: list[Session] = field(default_factory=list)
    qa: list[dict[str, Any]] = field(default_factory=list)
    poll_answers: list[dict[str, Any]] = field(default_factory=list)
    recording: Recording | None = None

    @property
    def ended(self) -> bool:
        return self.end_time is not None

    def active_sessions(self) -> list[Session]:
        return [s for s in self.sessions if s.leave_time is None]


@dataclass
class Meeting:
    id: int
    uuid: str
    kind: Kind
    host_id: str
    account_id: str
    topic: str
    type: int
    start_time: datetime | None
    duration: int
    timezone: str
    agenda: str
    password: str
    encrypted_password: str
    h323_password: str
    pstn_password: str
    created_at: datetime
    settings: dict[str, Any]
    registration_key: str
    recurrence: dict[str, Any] | None = None
    occurrences: list[dict[str, Any]] = field(default_factory=list)
    tracking_fields: list[dict[str, Any]] = field(default_factory=list)
    pre_schedule: bool = False
    is_simulive: bool = False
    record_file_id: str | None = None
    template_id: str | None = None
    registrants: dict[str, Registrant] = field(default_factory=dict)
    registrants_by_email: dict[str, str] = field(default_factory=dict)
    panelists: dict[str, Panelist] = field(default_factory=dict)
    polls: dict[str, Poll] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    deleted: bool = False

    @property
    def current(self) -> Instance | None:
        if self.instances and not self.instances[-1].ended:
            return self.instances[-1]
        return None

    @property
    def last_ended(self) -> Instance | None:
        for instance in reversed(self.instances):
            if instance.ended:
                return instance
        return None

    @property
    def registration_enabled(self) -> bool:
        return self.settings.get("approval_type", 2) in (0, 1)

    @property
    def recurring(self) -> bool:
        return self.type in (3, 8, 6, 9)
