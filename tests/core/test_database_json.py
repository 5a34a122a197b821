"""JSON columns are written and read by msgspec, on both databases, and round-trip exactly."""

from __future__ import annotations

import enum
from typing import Any

import msgspec
import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, cast, insert, select
from sqlalchemy.exc import StatementError
from sqlalchemy.sql.elements import quoted_name

from hub.storage.database import Database

probe = Table(
    "json_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("doc", JSON, nullable=False),
)

DOC: dict[str, Any] = {
    "name": "Zoë Ångström",
    "answers": {"diet": "végétarien", "seats": 2},
    "tags": ["a", "b"],
    "ratio": 0.1,
    "none": None,
}


async def test_json_columns_use_msgspec_and_round_trip(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with db.transaction() as conn:
            await conn.run_sync(probe.metadata.create_all)
            await conn.execute(insert(probe).values(id=1, doc=DOC))
        async with db.connect() as conn:
            stored = (await conn.execute(select(probe.c.doc))).scalar_one()
            text = (await conn.execute(select(cast(probe.c.doc, String)))).scalar_one()
    finally:
        await db.dispose()
    assert stored == DOC
    # The json module would have escaped the accents ("Zo\\u00eb") and spaced the separators.
    assert msgspec.json.decode(text) == DOC
    assert "Zoë Ångström" in text
    assert '", "' not in text


class Colour(enum.StrEnum):
    RED = "red"


async def test_what_the_json_module_accepted_is_still_accepted(db_url: str) -> None:
    """str subclasses (SQLAlchemy's quoted_name, enums) as values and keys; objects refused."""
    db = Database(db_url)
    doc = {"table": quoted_name("hub_events", None), quoted_name("k", None): Colour.RED}
    try:
        async with db.transaction() as conn:
            await conn.run_sync(probe.metadata.create_all)
            await conn.execute(insert(probe).values(id=1, doc=doc))
        with pytest.raises(StatementError, match="type object is unsupported"):
            async with db.transaction() as conn:
                await conn.execute(insert(probe).values(id=2, doc={"x": object()}))
        async with db.connect() as conn:
            rows = (await conn.execute(select(probe.c.id, probe.c.doc))).all()
    finally:
        await db.dispose()
    assert [tuple(r) for r in rows] == [(1, {"table": "hub_events", "k": "red"})]
