"""Typed shapes of the Zoom JSON the hub reads and sends.

These are ``TypedDict``s over the decoded JSON, not validating structs, on purpose: Zoom adds
fields, omits optional ones and sends ids as numbers in one place and strings in another. A
strict decoder would turn a *successful* create call into an exception (and a retry into a
duplicate meeting), so the raw dict is returned with its whole content and the types only
document the fields the hub relies on. ``total=False``: any field may be absent.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

RegistrantAction = Literal["approve", "cancel", "deny"]
RegistrantStatus = Literal["pending", "approved", "denied"]
RecordingDeleteAction = Literal["trash", "delete"]


class User(TypedDict, total=False):
    id: str
    account_id: str
    email: str
    first_name: str
    last_name: str
    display_name: str
    type: int
    timezone: str
    status: str
    role_name: str


class MeetingOccurrence(TypedDict, total=False):
    occurrence_id: str
    start_time: str
    duration: int
    status: str


class Meeting(TypedDict, total=False):
    id: int
    uuid: str
    host_id: str
    host_email: str
    topic: str
    type: int
    status: str
    start_time: str
    duration: int
    timezone: str
    agenda: str
    created_at: str
    start_url: str
    join_url: str
    registration_url: str
    password: str
    settings: dict[str, Any]
    occurrences: list[MeetingOccurrence]
    recurrence: dict[str, Any]


Webinar = Meeting
"""Webinars share the meeting shape for every field the hub reads."""


class CustomQuestion(TypedDict):
    title: str
    value: str


class RegistrantInput(TypedDict, total=False):
    """A registrant to add; ``email`` and ``first_name`` are required by Zoom."""

    email: str
    first_name: str
    last_name: str
    address: str
    city: str
    country: str
    zip: str
    state: str
    phone: str
    org: str
    job_title: str
    comments: str
    language: str
    custom_questions: list[CustomQuestion]
    auto_approve: bool


class RegistrantCreated(TypedDict, total=False):
    """Answer of ``POST .../registrants``: ``id`` is the meeting id."""

    id: int
    registrant_id: str
    join_url: str
    participant_pin_code: int
    topic: str
    start_time: str
    occurrences: list[MeetingOccurrence]


class BatchRegistrant(TypedDict, total=False):
    registrant_id: str
    email: str
    join_url: str
    participant_pin_code: int


class Registrant(TypedDict, total=False):
    id: str
    email: str
    first_name: str
    last_name: str
    status: str
    create_time: str
    join_url: str
    participant_pin_code: int
    custom_questions: list[CustomQuestion]


class RegistrantRef(TypedDict, total=False):
    """Identifies a registrant in a status change: ``id`` and/or ``email``."""

    id: str
    email: str


class Participant(TypedDict, total=False):
    id: str
    user_id: str
    participant_user_id: str
    name: str
    user_email: str
    join_time: str
    leave_time: str
    duration: int
    registrant_id: str
    status: str
    failover: bool
    customer_key: str


class Panelist(TypedDict, total=False):
    id: str
    name: str
    email: str
    join_url: str


class Poll(TypedDict, total=False):
    id: str
    title: str
    status: str
    anonymous: bool
    poll_type: int
    questions: list[dict[str, Any]]


class RecordingFile(TypedDict, total=False):
    id: str
    meeting_id: str
    recording_start: str
    recording_end: str
    file_type: str
    file_extension: str
    file_size: int
    play_url: str
    download_url: str
    status: str
    recording_type: str


class MeetingRecordings(TypedDict, total=False):
    uuid: str
    id: int
    host_id: str
    topic: str
    start_time: str
    duration: int
    total_size: int
    recording_count: int
    password: str
    download_access_token: str
    recording_files: list[RecordingFile]


class PastQuestions(TypedDict, total=False):
    """``past_webinars/{id}/polls`` and ``/qa``: ``questions`` per attendee."""

    id: int
    uuid: str
    start_time: str
    questions: list[dict[str, Any]]
