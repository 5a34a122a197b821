"""Benchmark 4: the attendance report of a large webinar, against a plain SQL aggregate.

The rows are what the Zoom plugin would hold after a 50,000-attendee webinar: the event,
its tickets and registrants, the ``zoom_meetings`` row, and 200,000 join/leave rows in
``zoom_participant_events`` (two connections per attendee: most re-join after a drop, one
in five is on a second device at the same time) plus the instance's start and end marks.
The report is the plugin's own builder, :func:`hub_zoom.attendance.final.build_report`,
with Zoom answering "no participant report" (as it does on a free account), so it works
from the webhook rows: it pairs joins and leaves per connection, unions each person's
connections, matches them to tickets and writes one record per holder.

The baseline is the plain aggregate one would write by hand over the same rows in the
same SQLite file: ``SUM(leave - join) GROUP BY registrant``, fetched into Python. It
counts overlapping devices twice, which is exactly what the builder exists to avoid, so
the ratio is the price of getting attendance right.

Each step runs in a fresh subprocess (``python -m bench.attendance prepare|build|sql``),
so the peak RSS of the build step is the build's own and not the set-up's.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import ROOT, child_env
from bench.report import Goal, Line, Section, fmt

EVENT_ID = "bench-attendance"
MEETING_ID = "86000000001"
UUID = "benchInstance=="
START = datetime(2030, 7, 15, 14, 0, tzinfo=UTC)
MINUTES = 120
GOAL_SECONDS = 3.0
GOAL_BYTES = 300 * 1024 * 1024


def _config(db_path: str) -> Any:
    from bench.common import hub_config
    from bench.webhooks import zoom_settings
    from hub.config.loader import config_from_dict

    raw = hub_config(
        f"sqlite+aiosqlite:///{db_path}",
        ["zoom"],
        default_provider="zoom",
        run_workers=False,
        plugins={"zoom": zoom_settings()},
    )
    return config_from_dict(raw, "bench-attendance")


def connections_of(i: int) -> list[tuple[str, int, int]]:
    """(participant key, join second, leave second) of attendee ``i``: two connections."""
    first = (i * 37) % 1800
    leave = first + 600 + (i * 13) % 2400
    if i % 5 == 0:  # a second device, inside the first one's time
        return [(f"pu-{i}-a", first, leave), (f"pu-{i}-b", first + 60, leave - 60)]
    back = leave + 120 + i % 300  # dropped out, re-joined
    return [(f"pu-{i}-a", first, leave), (f"pu-{i}-b", back, min(MINUTES * 60, back + 1200))]


def prepare(db_path: str, attendees: int) -> dict[str, Any]:
    """Migrate a fresh database through the hub, then insert the rows in bulk."""
    import msgspec
    from hub_zoom.storage import tables as zoom
    from sqlalchemy import create_engine, insert

    from hub.models import Event, Ticket
    from hub.runtime import open_hub
    from hub.storage import tables as hub

    async def migrate() -> None:
        async with open_hub(_config(db_path), run_workers=False, configure_logs=False):
            pass

    asyncio.run(migrate())
    event = Event(
        id=EVENT_ID,
        title="Benchmark Webinar",
        starts_at=START,
        duration_minutes=MINUTES,
        timezone="UTC",
        capacity=attendees,
        format="webinar",
    )
    now = datetime.now(UTC)
    engine = create_engine(f"sqlite:///{db_path}")
    rows = 0
    with engine.begin() as conn:
        conn.execute(
            insert(hub.events).values(
                id=EVENT_ID,
                provider="zoom",
                status="published",
                body=msgspec.to_builtins(event),
                body_hash="bench",
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            insert(zoom.meetings).values(
                event_id=EVENT_ID,
                session_key="",
                connection_id="benchAccount1",
                kind="webinar",
                status="active",
                meeting_id=MEETING_ID,
                created_at=now,
                updated_at=now,
            )
        )
        tickets, registrants, marks = [], [], []
        for i in range(attendees):
            ticket = Ticket(
                id=f"t-{i:06d}",
                event_id=EVENT_ID,
                email=f"holder{i}@example.com",
                first_name="Holder",
                last_name=f"N{i}",
            )
            tickets.append(
                {
                    "event_id": EVENT_ID,
                    "id": ticket.id,
                    "status": "sold",
                    "body": msgspec.to_builtins(ticket),
                    "body_hash": "bench",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            registrants.append(
                {
                    "event_id": EVENT_ID,
                    "ticket_id": ticket.id,
                    "session_key": "",
                    "meeting_id": MEETING_ID,
                    "email": ticket.email,
                    "registrant_id": f"reg{i:06d}",
                    "join_url": f"https://zoom.example/w/{MEETING_ID}?tk={i}",
                    "status": "registered",
                    "updated_at": now,
                }
            )
            for key, join, leave in connections_of(i):
                person = {
                    "meeting_id": MEETING_ID,
                    "meeting_uuid": UUID,
                    "participant_key": key,
                    "registrant_id": f"reg{i:06d}",
                    "email": ticket.email,
                    "name": f"Holder N{i}",
                }
                marks.append({**person, "action": "join", "at": START + timedelta(seconds=join)})
                marks.append({**person, "action": "leave", "at": START + timedelta(seconds=leave)})
        instance = {
            "meeting_id": MEETING_ID,
            "meeting_uuid": UUID,
            "participant_key": "#instance",
            "registrant_id": None,
            "email": None,
            "name": None,
        }
        marks.append({**instance, "action": "start", "at": START})
        marks.append({**instance, "action": "end", "at": START + timedelta(minutes=MINUTES)})
        conn.execute(insert(hub.tickets), tickets)
        conn.execute(insert(zoom.registrants), registrants)
        conn.execute(insert(zoom.participant_events), marks)
        rows = len(marks) - 2
    engine.dispose()
    return {"participant_rows": rows, "attendees": attendees}


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss() -> int:
    from bench.common import rss_of

    return rss_of(os.getpid())


def _without_zoom_report() -> None:
    """Zoom answers "no report" (as for a free account): the builder uses the webhook rows.

    Patched by name, so the builder itself runs unchanged whatever its signature.
    """
    from hub_zoom.attendance import final

    async def no_report(*_args: Any, **_kwargs: Any) -> tuple[None, bool]:
        return None, False

    async def no_engagement(*_args: Any, **_kwargs: Any) -> dict[Any, Any]:
        return {}

    if hasattr(final, "_fetch_report"):
        final._fetch_report = no_report  # type: ignore[assignment]
    if hasattr(final, "fetch_engagement"):
        final.fetch_engagement = no_engagement  # type: ignore[assignment]


def build(db_path: str) -> dict[str, Any]:
    """Time and memory of the plugin's report builder, in this fresh process."""
    from hub_zoom.attendance.final import build_report

    from hub.runtime import open_hub

    _without_zoom_report()

    async def main() -> dict[str, Any]:
        async with open_hub(_config(db_path), run_workers=False, configure_logs=False) as rt:
            gc.collect()
            before = _rss()
            started = time.perf_counter()
            report, waiting = await build_report(rt.hub, EVENT_ID)
            seconds = time.perf_counter() - started
            assert report is not None and not waiting
            return {
                "seconds": seconds,
                "rss_before": before,
                "peak_rss": _peak_rss(),
                "records": len(report.records),
                "attended": sum(1 for r in report.records if r.attended),
                "minutes": sum(r.minutes for r in report.records),
            }

    return asyncio.run(main())


def plain_sql(db_path: str) -> dict[str, Any]:
    """The hand-written aggregate over the same rows (stdlib sqlite3, fetched into Python)."""
    before = _rss()
    started = time.perf_counter()
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            """
            SELECT registrant_id,
                   SUM(CASE action WHEN 'leave' THEN julianday(at)
                                   ELSE -julianday(at) END) * 1440.0 AS minutes
            FROM zoom_participant_events
            WHERE meeting_id = ? AND action IN ('join', 'leave')
            GROUP BY registrant_id
            """,
            (MEETING_ID,),
        ).fetchall()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rss_before": before,
        "peak_rss": _peak_rss(),
        "records": len(rows),
        "minutes": sum(m for _, m in rows),
    }


def _step(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.attendance", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :])
    raise RuntimeError(f"attendance {args[0]} failed:\n{done.stderr[-1500:]}")


def run(work: Path, quick: bool) -> Section:
    section = Section("attendance", "4. Attendance report of a large webinar")
    started = time.monotonic()
    attendees = 2_000 if quick else 50_000
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "attendance.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    prepared = _step("prepare", str(db_path), str(attendees))
    built = _step("build", str(db_path))
    sql = _step("sql", str(db_path))
    ratio = built["seconds"] / sql["seconds"] if sql["seconds"] else None
    mib = 1024 * 1024
    section.header = ["method", "seconds", "peak RSS MiB", "RSS growth MiB", "rows out"]
    section.rows = [
        [
            "hub_zoom build_report",
            fmt(built["seconds"], 2),
            fmt(built["peak_rss"] / mib),
            fmt((built["peak_rss"] - built["rss_before"]) / mib),
            f"{built['records']:,}",
        ],
        [
            "plain SQL SUM(leave-join) GROUP BY",
            fmt(sql["seconds"], 2),
            fmt(sql["peak_rss"] / mib),
            fmt((sql["peak_rss"] - sql["rss_before"]) / mib),
            f"{sql['records']:,}",
        ],
    ]
    section.lines.append(
        Line(
            f"attendance report, {attendees:,} attendees / "
            f"{prepared['participant_rows']:,} join+leave rows",
            f"{fmt(built['seconds'], 2)} s, peak RSS {fmt(built['peak_rss'] / mib, 0)} MiB",
            f"{fmt(sql['seconds'], 2)} s plain SQL aggregate",
            ratio,
        )
    )
    section.goals += [
        Goal(
            f"attendance report ({attendees:,} attendees) under 3 s",
            f"{built['seconds']:.2f} s",
            built["seconds"] < GOAL_SECONDS,
        ),
        Goal(
            f"attendance report ({attendees:,} attendees) under 300 MB",
            f"{built['peak_rss'] / 1e6:.0f} MB peak RSS",
            built["peak_rss"] < GOAL_BYTES,
        ),
    ]
    section.notes += [
        "Each step runs in a fresh process; 'peak RSS' is that process's high-water mark "
        "(interpreter, imports and the hub's start included), 'RSS growth' the part above "
        "its RSS just before the step.",
        f"The builder's total is {fmt(built['minutes'], 0)} minutes over "
        f"{built['attended']:,} attendees who attended; the plain aggregate's "
        f"{fmt(sql['minutes'], 0)} counts the second devices' overlap twice.",
        "The builder reads the event, tickets, registrants and participant rows through "
        "the hub's async database (SQLAlchemy, SQLite statements on the event loop's "
        "thread), streams the participant rows connection by connection and decodes each "
        "ticket body; the baseline is one aggregate query on the stdlib driver.",
    ]
    section.seconds = time.monotonic() - started
    return section


def main() -> None:
    step = sys.argv[1]
    if step == "prepare":
        result = prepare(sys.argv[2], int(sys.argv[3]))
    elif step == "build":
        result = build(sys.argv[2])
    elif step == "sql":
        result = plain_sql(sys.argv[2])
    else:
        raise SystemExit(f"unknown step {step!r}")
    print("BENCH_JSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
