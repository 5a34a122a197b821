"""Runs the hub's migrations and every enabled plugin's, each against its own version table.

On PostgreSQL the whole run holds an advisory lock, so several hub processes starting
together migrate once instead of racing each other's DDL.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from hub.models import MigrationSource
from hub.storage.database import Database

SCRIPT_LOCATION = Path(__file__).parent / "migrations"
HUB_SOURCE = MigrationSource(branch="hub", directory=str(SCRIPT_LOCATION / "versions"))
MIGRATION_LOCK_ID = 0x68756221  # "hub!"


def _alembic_config(source: MigrationSource, connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option("version_locations", source.directory)
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    cfg.attributes["version_table"] = f"{source.branch}_alembic_version"
    return cfg


def _upgrade_all(connection: Connection, sources: Sequence[MigrationSource], target: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    for source in sources:
        command.upgrade(_alembic_config(source, connection), target)


async def upgrade(db: Database, plugin_sources: Sequence[MigrationSource] = ()) -> None:
    """Bring the hub's and the given plugins' tables to their newest revisions."""
    sources = [HUB_SOURCE, *plugin_sources]
    async with db.transaction() as conn:
        await conn.run_sync(_upgrade_all, sources, "heads")


async def upgrade_to(db: Database, source: MigrationSource, revision: str) -> None:
    """Move one source to a given revision (used to test upgrades from older schemas)."""
    async with db.transaction() as conn:
        await conn.run_sync(_upgrade_all, [source], revision)
