"""Tables owned by the Zoom plugin (``zoom_*``), migrated with the hub's Alembic runner.

Host start URLs and tokens are stored sealed with the hub's secret box: both grant control
of a Zoom account or meeting.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()
Id = BigInteger().with_variant(Integer(), "sqlite")


def _ts(name: str, nullable: bool = True) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


connections = Table(
    "zoom_connections",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("auth_type", String(32), nullable=False),
    Column("account_id", String(128), nullable=True),
    Column("token_sealed", Text, nullable=True),
    Column("status", String(32), nullable=False),  # connected | needs_reauthorization | error
    Column("zoom_user_id", String(128), nullable=True),
    Column("zoom_user_email", String(256), nullable=True),
    Column("zoom_user_name", String(256), nullable=True),
    Column("scopes", Text, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("refresh_lock_until", Float, nullable=True),
    _ts("updated_at"),
)

oauth_states = Table(
    "zoom_oauth_states",
    metadata,
    Column("state_hash", String(64), primary_key=True),
    Column("verifier_sealed", Text, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float, nullable=True),
    # Where the browser goes after the callback (an /admin path) when the admin page
    # started the authorization; None answers the callback with JSON.
    Column("return_to", String(256), nullable=True),
)

meetings = Table(
    "zoom_meetings",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("session_key", String(128), primary_key=True),
    Column("connection_id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),  # meeting | webinar
    Column("status", String(16), nullable=False),  # creating | active | deleted | cancelled
    Column("meeting_id", String(32), nullable=True),
    Column("uuid", String(128), nullable=True),
    Column("host_id", String(128), nullable=True),
    Column("join_url", Text, nullable=True),
    Column("start_url_sealed", Text, nullable=True),
    Column("passcode", String(32), nullable=True),
    Column("registration_url", Text, nullable=True),
    Column("details", JSON, nullable=True),
    Column("message", Text, nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    Index("ix_zoom_meetings_meeting_id", "meeting_id"),
)

registrants = Table(
    "zoom_registrants",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("ticket_id", String(128), primary_key=True),
    Column("session_key", String(128), primary_key=True),
    Column("meeting_id", String(32), nullable=True),
    Column("email", String(256), nullable=False),
    Column("registrant_id", String(128), nullable=True),
    Column("join_url", Text, nullable=True),
    # pending | registered | cancel_pending | cancelled | skipped | failed
    Column("status", String(16), nullable=False),
    Column("message", Text, nullable=True),
    _ts("updated_at"),
    Index("ix_zoom_registrants_meeting", "meeting_id", "status"),
    Index("ix_zoom_registrants_registrant", "registrant_id"),
)

participant_events = Table(
    "zoom_participant_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("meeting_id", String(32), nullable=False),
    Column("meeting_uuid", String(128), nullable=True),
    Column("participant_key", String(256), nullable=False),
    Column("registrant_id", String(128), nullable=True),
    Column("email", String(256), nullable=True),
    Column("name", String(256), nullable=True),
    Column("action", String(8), nullable=False),  # join | leave
    Column("at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("meeting_id", "participant_key", "action", "at", name="uq_zoom_pe_dedupe"),
    Index("ix_zoom_pe_meeting", "meeting_id"),
    # The attendance report streams an instance's rows in this order (zoom_0003).
    Index("ix_zoom_pe_connection", "meeting_uuid", "participant_key", "at", "id"),
)

recording_files = Table(
    "zoom_recording_files",
    metadata,
    Column("file_id", String(128), primary_key=True),
    Column("event_id", String(128), nullable=False),
    Column("meeting_id", String(32), nullable=False),
    Column("meeting_uuid", String(128), nullable=True),
    Column("file_type", String(32), nullable=True),
    Column("file_extension", String(16), nullable=True),
    Column("file_size", BigInteger, nullable=True),
    Column("download_url", Text, nullable=True),
    Column("play_url", Text, nullable=True),
    Column("download_token_sealed", Text, nullable=True),
    Column("status", String(16), nullable=False),  # available | trashed | deleted
    _ts("updated_at"),
    Index("ix_zoom_recording_files_event", "event_id"),
)

webhook_receipts = Table(
    "zoom_webhook_receipts",
    metadata,
    # url_validation | delivery | refused: the latest of each, for the admin card.
    Column("kind", String(32), primary_key=True),
    Column("event_type", String(128), nullable=True),
    Column("account_id", String(128), nullable=True),
    Column("outcome", String(64), nullable=False),
    Column("detail", Text, nullable=True),
    _ts("received_at", nullable=False),
)
