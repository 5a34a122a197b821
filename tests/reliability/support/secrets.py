"""Looking for secrets where they must not be: database files, database dumps, log output.

A secret is searched for as it is and in the encodings it would take if some code path
wrote it carelessly: URL-encoded (a token in a query string), JSON-escaped, and for a
client secret the Base64 of ``client_id:client_secret`` (a logged Basic auth header).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

from hub.storage.database import Database
from tests.reliability.support import dbstate

MIN_LENGTH = 8  # shorter values would match by chance; every secret here is longer


@dataclass(frozen=True)
class Secret:
    kind: str
    value: str
    client_id: str | None = None  # for client secrets: also look for the Basic auth form

    def forms(self) -> set[bytes]:
        forms = {
            self.value.encode(),
            quote(self.value, safe="").encode(),
            json.dumps(self.value)[1:-1].encode(),
        }
        if self.client_id:
            forms.add(base64.b64encode(f"{self.client_id}:{self.value}".encode()))
        return forms


def occurrences(haystack: bytes, secret: Secret) -> int:
    return sum(haystack.count(form) for form in secret.forms())


def scan(haystacks: Mapping[str, bytes], secrets: Iterable[Secret]) -> dict[tuple[str, str], int]:
    """``{(secret kind, haystack name): hits}`` for every pair (zeros included)."""
    result: dict[tuple[str, str], int] = {}
    for secret in secrets:
        if len(secret.value) < MIN_LENGTH:
            raise ValueError(f"{secret.kind} is too short to search for reliably")
        for name, data in haystacks.items():
            key = (secret.kind, name)
            result[key] = result.get(key, 0) + occurrences(data, secret)
    return result


def sqlite_files(db_url: str) -> list[Path]:
    """The database file and its WAL and shared-memory files, those that exist."""
    path = Path(make_url(db_url).database or "")
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


async def database_bytes(db: Database, db_url: str) -> dict[str, bytes]:
    """What a thief of the database gets: raw files on SQLite, a full dump on PostgreSQL."""
    if db.is_sqlite:
        return {f"db:{p.name}": p.read_bytes() for p in sqlite_files(db_url)}
    return {"db:dump": await dbstate.all_text(db)}
