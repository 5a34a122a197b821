"""Which process holds a PostgreSQL advisory lock, so a test can kill exactly that one.

PostgreSQL knows the holder by its backend's client port; the kernel knows which process
owns the socket bound to that port (``/proc/net/tcp`` gives the socket's inode, the
process's ``/proc/<pid>/fd`` links to it). Linux only, like the rest of the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def advisory_holder_ports(postgres_url: str) -> list[int]:
    """Client ports of the sessions holding an advisory lock in the URL's database."""
    url = make_url(postgres_url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a "
                    "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                    "AND a.datname = current_database()"
                )
            ).all()
    finally:
        engine.dispose()
    return [int(r.client_port) for r in rows if r.client_port]


def _socket_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def owner_of_port(port: int, pids: list[int]) -> int | None:
    """The pid among ``pids`` owning the local socket bound to ``port``."""
    wanted = {f"socket:[{inode}]" for inode in _socket_inodes(port)}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                    return pid
            except OSError:
                continue
    return None
