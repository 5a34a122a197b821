"""Generic upgrade proofs: every migration source, every revision in its history.

Nothing here knows a table by name. A database is brought to some revision, every table
that exists there is filled with rows generated from its reflected columns, the full
upgrade the hub runs at start-up is applied, and every row must still be there with the
same values in the columns it had. A future revision that rebuilds a table and forgets to
copy it, narrows a column or drops one, fails this without anyone writing a test for it.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from hub.models import MigrationSource
from hub.plugins.manager import PluginRegistry
from hub.storage import migrate
from hub.storage import tables as hub_tables
from hub.storage.database import Database

ROWS_PER_TABLE = 3  # two rows with every column set, one with every nullable column NULL


def revisions(source: MigrationSource) -> list[str]:
    """The source's revisions, oldest first (one branch per source)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.SCRIPT_LOCATION))
    cfg.set_main_option("version_locations", source.directory)
    cfg.set_main_option("path_separator", "os")
    script = ScriptDirectory.from_config(cfg)
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def is_version_table(name: str) -> bool:
    return name.endswith("alembic_version")


def _value(column: sa.Column[Any], table: str, index: int) -> Any:
    """A value for ``column`` of row ``index``, distinct per row (keys stay unique)."""
    kind = column.type
    try:
        python = kind.python_type
    except NotImplementedError:
        python = object
    if isinstance(kind, sa.JSON) or python in (dict, list):
        return {"row": index, "table": table, "items": [index, "x", None, True]}
    if isinstance(kind, sa.Boolean) or python is bool:
        return index % 2 == 0
    if isinstance(kind, sa.DateTime) or python is datetime:
        moment = datetime(2030, 7, 15, 14, 0, tzinfo=UTC) + timedelta(minutes=index)
        return moment if getattr(kind, "timezone", False) else moment.replace(tzinfo=None)
    if python is date:
        return date(2030, 7, 15) + timedelta(days=index)
    if python is time:
        return time(14, index % 60)
    if isinstance(kind, sa.Integer) or python is int:
        return 1000 + index
    if isinstance(kind, sa.Float) or python is float:
        return 1000.5 + index
    if isinstance(kind, sa.Numeric) or python is Decimal:
        return Decimal(1000 + index)
    if isinstance(kind, sa.LargeBinary) or python is bytes:
        return f"bytes-{index}".encode()
    length = getattr(kind, "length", None) or 64
    text = f"{index}-{column.name}-{table}"
    return text[:length]


def generate_rows(
    table: sa.Table,
    count: int = ROWS_PER_TABLE,
    parents: dict[str, list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """Rows for ``table``; a foreign key takes the value of the parent row of the same
    index (``parents`` holds the rows generated for tables earlier in dependency order)."""
    rows = []
    for index in range(count):
        row = {}
        for column in table.columns:
            empty = index == count - 1 and column.nullable and not column.primary_key
            fk = next(iter(column.foreign_keys), None)
            if empty:
                row[column.name] = None
            elif fk is not None and parents and fk.column.table.name in parents:
                row[column.name] = parents[fk.column.table.name][index][fk.column.name]
            else:
                row[column.name] = _value(column, table.name, index)
        rows.append(row)
    return rows


def _normal(value: Any) -> Any:
    """Comparable across a reflection round trip (JSON may come back as text on SQLite)."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


Contents = dict[str, dict[str, list[tuple[Any, ...]]]]


def _seed_and_read(conn: sa.Connection) -> tuple[dict[str, int], Contents]:
    metadata = sa.MetaData()
    metadata.reflect(conn)
    seeded: dict[str, int] = {}
    generated: dict[str, list[dict[str, Any]]] = {}
    for table in metadata.sorted_tables:
        if is_version_table(table.name):
            continue
        rows = generated[table.name] = generate_rows(table, parents=generated)
        conn.execute(sa.insert(table), rows)
        seeded[table.name] = len(rows)
    return seeded, _read(conn, metadata)


def _read(conn: sa.Connection, metadata: sa.MetaData | None = None) -> Contents:
    if metadata is None:
        metadata = sa.MetaData()
        metadata.reflect(conn)
    contents: Contents = {}
    for table in metadata.sorted_tables:
        if is_version_table(table.name):
            continue
        columns = [c.name for c in table.columns]
        rows = conn.execute(sa.select(*table.columns)).all()
        contents[table.name] = {
            name: [_normal(row[i]) for row in rows] for i, name in enumerate(columns)
        }
    return contents


def _rows(contents: dict[str, list[Any]], columns: Sequence[str]) -> list[tuple[Any, ...]]:
    count = len(next(iter(contents.values()), []))
    return sorted((tuple(contents[c][i] for c in columns) for i in range(count)), key=repr)


@dataclass
class UpgradeRun:
    """One proof: sources at given revisions, seeded, upgraded to head."""

    label: str
    start: dict[str, str]
    tables: int = 0
    seeded: int = 0
    survived: int = 0
    lost: dict[str, int] = field(default_factory=dict)
    changed_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def rows_lost(self) -> int:
        return sum(self.lost.values())


async def prove_upgrade(
    db: Database,
    sources: Sequence[MigrationSource],
    start: dict[str, str],
    label: str,
) -> UpgradeRun:
    """Bring each source to ``start[branch]`` ("heads" if absent), seed every table, run the
    hub's full upgrade, and count rows whose old-column values are gone."""
    run = UpgradeRun(label, dict(start))
    for source in sources:
        await migrate.upgrade_to(db, source, start.get(source.branch, "heads"))
    async with db.transaction() as conn:
        seeded, before = await conn.run_sync(_seed_and_read)
    run.tables = len(seeded)
    run.seeded = sum(seeded.values())
    plugin_sources = [s for s in sources if s.branch != migrate.HUB_SOURCE.branch]
    await migrate.upgrade(db, plugin_sources)
    async with db.connect() as conn:
        after = await conn.run_sync(_read)
    for name, old in before.items():
        new = after.get(name)
        if new is None:
            run.lost[name] = seeded[name]
            continue
        columns = list(old)
        missing = [c for c in columns if c not in new]
        if missing:
            run.changed_columns[name] = missing
            run.lost[name] = seeded[name]
            continue
        old_rows = _rows(old, columns)
        new_rows = _rows(new, columns)
        remaining = list(new_rows)
        gone = 0
        for row in old_rows:
            if row in remaining:
                remaining.remove(row)
            else:
                gone += 1
        if gone:
            run.lost[name] = gone
        run.survived += len(old_rows) - gone
    return run


def metadata_of(registry: PluginRegistry, branch: str) -> sa.MetaData:
    """A migration source's ``MetaData``: the hub's own, or the one its plugin's package
    exposes as ``<package>.storage.tables``, ``<package>.tables`` or on the plugin module."""
    if branch == migrate.HUB_SOURCE.branch:
        return hub_tables.metadata
    plugin = registry.pm.get_plugin(branch)
    module = plugin if isinstance(plugin, ModuleType) else inspect.getmodule(type(plugin))
    assert module is not None, branch
    package = module.__name__.rpartition(".")[0] or module.__name__
    for candidate in (f"{package}.storage.tables", f"{package}.tables", module.__name__):
        try:
            found = importlib.import_module(candidate)
        except ImportError:
            continue
        metadata = getattr(found, "metadata", None)
        if isinstance(metadata, sa.MetaData):
            return metadata
    raise LookupError(
        f"plugin {branch!r} has migrations but no MetaData at {package}.storage.tables, "
        f"{package}.tables or {module.__name__}.metadata"
    )


async def schema_drift(db: Database, metadata: sa.MetaData, prefix: str) -> list[Any]:
    """Differences between ``metadata`` and the migrated tables named ``prefix*`` (empty
    when they agree): tables, columns, types, nullability, indexes, unique constraints."""

    def ours(name: str | None, type_: str, _parent: Any) -> bool:
        return type_ != "table" or (
            name is not None and name.startswith(prefix) and not is_version_table(name)
        )

    def compare(conn: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(
            conn, opts={"include_name": ours, "compare_type": True}
        )
        return list(compare_metadata(context, metadata))

    async with db.connect() as conn:
        return await conn.run_sync(compare)
