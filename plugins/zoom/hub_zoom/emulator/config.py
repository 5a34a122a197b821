"""Configuration of the Zoom emulator.

Everything that differs between a test, the demo and a benchmark lives here, so the
emulator itself never reads the environment.  Structs are msgspec so the CLI, the
control API and tests can build them from plain dicts.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Plan = Literal["free", "pro", "business"]

#: Events a Zoom app is subscribed to when the configuration does not say otherwise.
#: These are the events the hub consumes; ``meeting.created``/``meeting.updated`` are
#: supported but, as on Zoom, only sent to apps that subscribe to them.
DEFAULT_WEBHOOK_EVENTS: tuple[str, ...] = (
    "meeting.started",
    "meeting.ended",
    "meeting.participant_joined",
    "meeting.participant_left",
    "meeting.deleted",
    "meeting.registration_created",
    "meeting.registration_cancelled",
    "meeting.registration_approved",
    "meeting.registration_denied",
    "webinar.started",
    "webinar.ended",
    "webinar.participant_joined",
    "webinar.participant_left",
    "webinar.deleted",
    "webinar.registration_created",
    "webinar.registration_cancelled",
    "webinar.registration_approved",
    "webinar.registration_denied",
    "recording.completed",
    "recording.transcript_completed",
)


class HostUser(msgspec.Struct, kw_only=True):
    """A user of an emulated Zoom account.

    ``type`` follows Zoom: 1 Basic, 2 Licensed.  Only licensed hosts may take
    registrations; ``webinar`` says whether the user holds a webinar licence.
    """

    email: str
    first_name: str = "Account"
    last_name: str = "Owner"
    id: str | None = None
    type: int = 2
    account_id: str | None = None
    timezone: str = "UTC"
    webinar: bool = True
    role_name: str = "Owner"
    status: Literal["active", "inactive", "pending"] = "active"


class OAuthApp(msgspec.Struct, kw_only=True):
    """One Zoom Marketplace app (client credentials) bound to one account.

    Several apps let tests exercise multi-account webhook routing: every app with a
    ``webhook_url`` receives the events of its own account, signed with its own secret.
    """

    client_id: str
    client_secret: str
    account_id: str
    plan: Plan | None = None
    webhook_url: str | None = None
    webhook_secret: str = "emulator-webhook-secret"
    verification_token: str = "emulator-verification-token"
    webhook_events: list[str] | None = None
    redirect_uris: list[str] = msgspec.field(default_factory=list)
    #: A public client (PKCE without a secret, "Use Public Client OAuth" on Zoom).
    public_client: bool = False
    scopes: str = (
        "meeting:read:admin meeting:write:admin webinar:read:admin webinar:write:admin "
        "user:read:admin report:read:admin recording:read:admin recording:write:admin"
    )


class EmulatorConfig(msgspec.Struct, kw_only=True):
    """All knobs of one emulator instance.

    ``time_scale`` makes the emulated clock run faster than real time; per-second rate
    limits follow the emulated clock so they scale by the same factor.
    ``redelivery_compression`` divides Zoom's webhook retry schedule (5, 20, 60 minutes),
    so a value of 600 retries after 0.5 s, 2 s and 6 s of emulated time.
    """

    host: str = "127.0.0.1"
    port: int = 8765
    plan: Plan = "pro"
    account_id: str = "emuAccount1"
    client_id: str = "emuClientId"
    client_secret: str = "emuClientSecret"
    webhook_url: str | None = None
    webhook_secret: str = "emulator-webhook-secret"
    verification_token: str = "emulator-verification-token"
    webhook_events: list[str] | None = None
    redirect_uris: list[str] = msgspec.field(default_factory=list)
    seed: int = 0
    time_scale: float = 1.0
    #: Emulated start time (ISO 8601).  ``None`` starts at the real current time.
    start_time: str | None = None
    redelivery_compression: float = 1.0
    users: list[HostUser] = msgspec.field(
        default_factory=lambda: [HostUser(email="owner@example.com")]
    )
    apps: list[OAuthApp] = msgspec.field(default_factory=list)
    s2s_token_ttl: int = 3600
    #: Zoom documents 3599 s for authorization-code tokens.
    user_token_ttl: int = 3599
    #: Section 7 of the notes: the official KB says 15 years, newer sources ~90 days.
    #: The strict reading (shorter lifetime) is the default.
    refresh_token_ttl: int = 90 * 24 * 3600
    #: Older Zoom behaviour: a new S2S token invalidates the previous one.
    s2s_single_token: bool = False
    #: URL put in join_url/start_url/registration_url; ``None`` uses the emulator's URL.
    public_base_url: str | None = None
    meeting_registrant_limit: int = 4999
    webinar_capacity: int = 1000
    panelist_limit: int = 100
    #: Size of the generated MP4/M4A recording files, in bytes.
    recording_video_size: int = 48_000
    recording_audio_size: int = 16_000
    webhook_timeout: float = 3.0
    webhook_concurrency: int = 8
    #: Which clock signs ``x-zm-request-timestamp``: the real wall clock (what a
    #: receiver's replay check expects) or the emulated clock.
    webhook_timestamp_clock: Literal["real", "emulated"] = "real"
    #: When a meeting is started through the control API the host joins first, as on
    #: Zoom, so the host shows up in reports and participant lists.
    host_joins_on_start: bool = True
    #: Zoom returns no participant report for meetings with fewer participants.
    report_min_participants: int = 2
