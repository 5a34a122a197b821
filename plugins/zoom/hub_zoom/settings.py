"""``[plugins.zoom]``: the Zoom provider's settings, validated at start-up.

Secrets (client secret, webhook secret token, SDK secret) are given as environment
references in hub.toml; by the time they reach this Struct they are plain strings that the
log redactor already knows about.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

DEFAULT_API_BASE_URL = "https://api.zoom.us/v2"
DEFAULT_OAUTH_BASE_URL = "https://zoom.us"
# Zoom redelivers 5, 25 and 85 minutes after the first attempt; a window of 90 minutes
# accepts the last redelivery while still refusing anything older (replays).
DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 90 * 60
# Scopes the hub needs (granular names); connection-status lists any that are missing.
REQUIRED_SCOPES = (
    "meeting:read:meeting",
    "meeting:write:meeting",
    "meeting:update:meeting",
    "meeting:delete:meeting",
    "meeting:write:registrant",
    "meeting:update:registrant_status",
    "meeting:read:list_registrants",
    "webinar:write:webinar",
    "webinar:write:registrant",
    "report:read:list_meeting_participants",
    "cloud_recording:read:recording",
)
# Scopes only the admin page's recording buttons use; without them the rest works, so the
# admin card names them apart instead of warning.
BUTTON_SCOPES = {
    "cloud_recording:update:recording_settings": "Share",
    "cloud_recording:delete:recording_file": "Delete",
}


class ZoomAccount(Struct, kw_only=True, forbid_unknown_fields=True):
    """A further Server-to-Server app/account; webhooks are routed by ``account_id``."""

    account_id: str
    client_id: str
    client_secret: str
    webhook_secret_token: str | None = None


class MeetingDefaults(Struct, kw_only=True, forbid_unknown_fields=True):
    """Settings applied to every meeting or webinar, overridable per event."""

    waiting_room: bool = False
    join_before_host: bool = False
    mute_upon_entry: bool = True
    auto_recording: Literal["none", "local", "cloud"] = "cloud"
    passcode: bool = True
    registrants_confirmation_email: bool = False
    registrants_email_notification: bool = False
    host_video: bool = True
    participant_video: bool = False
    question_and_answer: bool = True
    practice_session: bool = False


class ZoomSettings(Struct, kw_only=True, forbid_unknown_fields=True):
    auth: Literal["server_to_server", "authorization_code"] = "server_to_server"
    account_id: str | None = None
    client_id: str
    client_secret: str
    redirect_uri: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    oauth_base_url: str = DEFAULT_OAUTH_BASE_URL
    plan: Literal["free", "pro", "business"] = "pro"
    accounts: list[ZoomAccount] = []
    webhook_secret_token: str | None = None
    webhook_tolerance_seconds: Annotated[int, Meta(ge=60, le=24 * 3600)] = (
        DEFAULT_WEBHOOK_TOLERANCE_SECONDS
    )
    webhook_max_body_bytes: Annotated[int, Meta(ge=1024, le=16 * 1024 * 1024)] = 1024 * 1024
    default_host: str = "me"
    webinar_threshold: Annotated[int, Meta(ge=1)] = 1000
    defaults: MeetingDefaults = msgspec.field(default_factory=MeetingDefaults)
    cancel_meeting_reminder: bool = True
    batch_size: Annotated[int, Meta(ge=1, le=30)] = 30
    batch_linger_seconds: Annotated[float, Meta(ge=0, le=10)] = 0.25
    attended_min_minutes: Annotated[float, Meta(ge=0)] = 1.0
    attended_min_percent: Annotated[float, Meta(ge=0, le=100)] = 0.0
    report_retry_seconds: Annotated[float, Meta(gt=0)] = 60.0
    # How long a delivery waits when Zoom stayed unreachable after the client's in-place
    # retries, and when the connection itself needs a human (re-authorization, scopes).
    unavailable_retry_seconds: Annotated[float, Meta(gt=0)] = 30.0
    connection_retry_seconds: Annotated[float, Meta(gt=0)] = 300.0
    sdk_key: str | None = None
    sdk_secret: str | None = None
    required_scopes: list[str] = msgspec.field(default_factory=lambda: list(REQUIRED_SCOPES))

    def __post_init__(self) -> None:
        if self.auth == "server_to_server" and not self.account_id:
            raise ValueError("account_id is required when auth = 'server_to_server'")
        if self.auth == "authorization_code" and not self.redirect_uri:
            raise ValueError("redirect_uri is required when auth = 'authorization_code'")

    @property
    def sdk_credentials(self) -> tuple[str, str]:
        """Meeting SDK key and secret; apps made since 2023 use the client id and secret."""
        return (self.sdk_key or self.client_id, self.sdk_secret or self.client_secret)
