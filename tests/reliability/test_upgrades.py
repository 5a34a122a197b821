"""Upgrades keep every row, and every plugin's ``tables.py`` matches what its migrations built.

For each migration source (the hub and every plugin with migrations) and each revision in
its history, a database is created with that source at the revision and the others at
head, every table is filled with generated rows, and the hub's start-up upgrade runs; one
more run starts every source at its first revision at once (the oldest possible database).
A deliberately lossy source shows the proof notices a revision that drops rows.

The drift test compares each source's migrated schema with its ``MetaData`` (tables,
columns, types, nullability, indexes, unique constraints) so a ``tables.py`` edit without a
revision, or a revision without the matching ``tables.py`` edit, fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.models import MigrationSource
from hub.plugins.manager import PluginRegistry, build_registry
from hub.storage import migrate
from hub.storage.database import Database
from tests.conftest import make_config
from tests.reliability.support.migrations import (
    UpgradeRun,
    metadata_of,
    prove_upgrade,
    revisions,
    schema_drift,
)
from tests.reliability.support.report import emit
from tests.support.databases import backends, fresh_database
from tests.support.testvideo import TestVideoProvider

PLUGINS: dict[str, dict[str, Any]] = {
    "zoom": {"account_id": "acct", "client_id": "id", "client_secret": "secret"},
    "jitsi": {
        "base_url": "https://meet.example.org",
        "app_id": "hub",
        "app_secret": "jitsi-app-secret-0123456789",
    },
    "ticketing_stub": {},
    "crm_stub": {},
    "testvideo": {},
}


def registry_with_every_plugin(db_url: str) -> PluginRegistry:
    config = make_config(
        db_url,
        list(PLUGINS),
        plugins={k: v for k, v in PLUGINS.items() if v},
        default_provider=None,
    )
    return build_registry(config, {"testvideo": TestVideoProvider()})


def all_sources(registry: PluginRegistry) -> list[MigrationSource]:
    return [migrate.HUB_SOURCE, *registry.migration_sources()]


@pytest.fixture(params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def _run(
    backend: str, where: Path, sources: list[MigrationSource], start: dict[str, str], label: str
) -> UpgradeRun:
    with fresh_database(backend, made(where)) as url:
        db = Database(url)
        try:
            return await prove_upgrade(db, sources, start, label)
        finally:
            await db.dispose()


async def test_every_revision_upgrades_to_head_keeping_every_row(
    backend: str, tmp_path: Path
) -> None:
    registry = registry_with_every_plugin("sqlite+aiosqlite:///:memory:")
    sources = all_sources(registry)
    histories = {s.branch: revisions(s) for s in sources}
    assert set(histories) >= {"hub", "zoom", "ticketing_stub", "crm_stub", "jitsi"}
    runs: list[UpgradeRun] = []
    for source in sources:
        for revision in histories[source.branch]:
            label = f"{source.branch} {revision} -> head"
            runs.append(
                await _run(
                    backend,
                    tmp_path / f"{source.branch}-{revision}",
                    sources,
                    {source.branch: revision},
                    label,
                )
            )
    oldest = {branch: history[0] for branch, history in histories.items()}
    runs.append(await _run(backend, tmp_path / "oldest", sources, oldest, "every source at base"))

    rows = [
        {
            "upgrade": run.label,
            "tables": run.tables,
            "rows seeded": run.seeded,
            "rows after": run.survived,
            "rows lost": run.rows_lost,
        }
        for run in runs
    ]
    emit(
        f"upgrades ({backend})",
        {
            "sources": len(sources),
            "revisions": sum(len(h) for h in histories.values()),
            "runs": len(runs),
            "rows_seeded": sum(r.seeded for r in runs),
            "rows_lost": sum(r.rows_lost for r in runs),
        },
        rows,
    )
    for run in runs:
        assert run.tables > 0, run
        assert run.rows_lost == 0 and not run.changed_columns, run
        assert run.survived == run.seeded, run


LOSSY_0001 = '''"""A throwaway source whose second revision loses data, to prove the proof.

Revision ID: lossy_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "lossy_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lossy_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("lossy_items")
'''

LOSSY_0002 = '''"""Deletes rows and drops a column: both lose data.

Revision ID: lossy_0002
Revises: lossy_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "lossy_0002"
down_revision = "lossy_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM lossy_items WHERE id > 1000")
    with op.batch_alter_table("lossy_items") as batch:
        batch.drop_column("note")


def downgrade() -> None:
    pass
'''


async def test_the_upgrade_proof_notices_a_revision_that_loses_rows(tmp_path: Path) -> None:
    folder = tmp_path / "lossy"
    folder.mkdir()
    (folder / "lossy_0001.py").write_text(LOSSY_0001)
    (folder / "lossy_0002.py").write_text(LOSSY_0002)
    lossy = MigrationSource(branch="lossy", directory=str(folder))
    assert revisions(lossy) == ["lossy_0001", "lossy_0002"]
    run = await _run(
        "sqlite", tmp_path / "db", [migrate.HUB_SOURCE, lossy], {"lossy": "lossy_0001"}, "lossy"
    )
    emit(
        "upgrade proof control",
        {"seeded": run.seeded, "lost": run.lost, "changed_columns": run.changed_columns},
    )
    assert run.lost.get("lossy_items") == 3
    assert run.changed_columns == {"lossy_items": ["note"]}


def drifted(metadata: sa.MetaData) -> sa.MetaData:
    """A copy of ``metadata`` edited the way a careless change to tables.py would be."""
    copy = sa.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    registrants = copy.tables["zoom_registrants"]
    registrants.append_column(sa.Column("added_later", sa.String(32), nullable=True))
    sa.Index("ix_zoom_registrants_email", registrants.c.email)
    copy.tables["zoom_meetings"].append_constraint(
        sa.UniqueConstraint("uuid", name="uq_zoom_meetings_uuid")
    )
    return copy


async def test_migrated_schema_matches_every_tables_py(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        registry = registry_with_every_plugin(url)
        sources = all_sources(registry)
        db = Database(url)
        try:
            await migrate.upgrade(db, sources[1:])
            rows = []
            drift: dict[str, list[Any]] = {}
            for source in sources:
                metadata = metadata_of(registry, source.branch)
                differences = await schema_drift(db, metadata, f"{source.branch}_")
                drift[source.branch] = differences
                rows.append(
                    {
                        "source": source.branch,
                        "tables": len(metadata.tables),
                        "columns": sum(len(t.columns) for t in metadata.tables.values()),
                        "indexes": sum(len(t.indexes) for t in metadata.tables.values()),
                        "differences": len(differences),
                    }
                )
            # The control: a tables.py that gained a column, an index and a unique
            # constraint without a revision must show three differences.
            control = await schema_drift(db, drifted(metadata_of(registry, "zoom")), "zoom_")
        finally:
            await db.dispose()
    emit(
        f"schema drift ({backend})",
        {"sources": len(sources), "control_differences": len(control)},
        rows,
    )
    assert len(control) == 3, control
    assert all(r["tables"] > 0 for r in rows), rows
    assert drift == {s.branch: [] for s in sources}
