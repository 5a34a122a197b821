"""The plugin's own tables: rooms per event (or session), links per ticket, presence."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, UniqueConstraint

metadata = MetaData()

rooms = Table(
    "jitsi_rooms",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("session_key", String(128), primary_key=True),
    Column("room", String(128), nullable=False, unique=True),
    Column("status", String(16), nullable=False),  # open | closed
)

registrations = Table(
    "jitsi_registrations",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("ticket_id", String(128), primary_key=True),
    Column("email", String(256), nullable=False),
    Column("status", String(16), nullable=False),  # registered | cancelled
)

presence = Table(
    "jitsi_presence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("room", String(128), nullable=False),
    Column("ticket_id", String(128), nullable=True),
    Column("email", String(256), nullable=True),
    Column("name", String(256), nullable=True),
    Column("action", String(8), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("room", "email", "action", "at", name="uq_jitsi_presence"),
)
