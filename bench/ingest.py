"""Benchmark 1: sustained ``POST /api/v1/tickets/sold`` against a trivial endpoint.

Each configuration (database x where the workers run) gets one server process, which
serves both endpoints with the same uvicorn worker: first the baseline ``POST /bench/noop``
(routing, the same API-key guard, reading the body, a JSON 202), then real sales of one
published event, each a new ticket that is validated and stored with its delivery job in
one transaction before the 202. With workers on (the production default) the same process
also claims, runs and records those deliveries while the load runs, against a video
provider whose hooks do nothing; with workers off it only ingests; with a worker process,
a separate ``hub worker``-like process does the deliveries on the same database.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from pathlib import Path
from typing import Literal

from bench.common import (
    API_KEY,
    fresh_postgres,
    hub_config,
    hub_server,
    postgres_available,
    sqlite_url,
    worker_process,
)
from bench.load import LoadResult, LoadSpec
from bench.pairs import paired
from bench.plugins import NOOP_PROVIDER, TOOLS
from bench.report import Goal, Line, Section, fmt

CONNECTIONS = 32
EVENT_ID = "bench-event"
GOAL_RATIO = 0.60
GOAL_P99_MS = 20.0

# Where the deliveries run while the load runs: in the serving process (the default of
# `hub serve`), nowhere (ingest alone), or in a `hub worker` process beside the server.
Workers = Literal["on", "off", "process"]
WORKER_LABELS = {"on": "workers on", "off": "workers off", "process": "worker process"}


def event_body() -> dict[str, object]:
    return {
        "id": EVENT_ID,
        "title": "Benchmark Webinar",
        "starts_at": "2030-07-15T14:00:00+00:00",
        "duration_minutes": 60,
        "timezone": "UTC",
        "capacity": 1_000_000,
        "format": "webinar",
    }


def specs(url: str, duration: float, tag: str) -> tuple[LoadSpec, LoadSpec]:
    """(baseline, tickets) load specs against one running server."""
    auth = {"Authorization": f"Bearer {API_KEY}"}
    common = {
        "url": url,
        "source": "tickets",
        "duration": duration,
        "connections": CONNECTIONS,
        "headers": auth,
        "event_id": EVENT_ID,
    }
    noop = LoadSpec(path="/bench/noop", tag=f"{tag}n", **common)  # type: ignore[arg-type]
    tickets = LoadSpec(path="/api/v1/tickets/sold", tag=f"{tag}t", **common)  # type: ignore[arg-type]
    return noop, tickets


def one_config(
    work: Path,
    backend: str,
    db_url: str,
    workers: Workers,
    duration: float,
    rounds: int,
    warmup: float,
) -> dict[str, object]:
    name = f"ingest-{backend}-{workers}"
    config = hub_config(
        db_url, [NOOP_PROVIDER, TOOLS], default_provider=NOOP_PROVIDER, run_workers=workers == "on"
    )
    with hub_server(work, name, config) as server:
        with server.client() as client:
            response = client.post("/api/v1/events/published", json=event_body())
            response.raise_for_status()
        apart = (
            worker_process(work, name, config) if workers == "process" else contextlib.nullcontext()
        )
        with apart:
            noop, tickets = specs(server.url, duration, f"{backend[0]}{uuid.uuid4().hex[:6]}")
            result = paired(noop, tickets, rounds, warmup=warmup)
            after = server.stats(deliveries=True)
    return {
        "backend": backend,
        "workers": workers,
        "noop": result.baseline,
        "tickets": result.measured,
        "ratio": result.ratio,
        "deliveries": after.get("deliveries", {}),
    }


def run(work: Path, quick: bool) -> Section:
    section = Section("ingest", "1. Ingest: POST /api/v1/tickets/sold")
    started = time.monotonic()
    duration, rounds, warmup = (1.0, 1, 0.0) if quick else (3.0, 3, 1.0)
    results: list[dict[str, object]] = []
    modes: list[Workers] = ["on", "off", "process"]
    plans = [("sqlite", mode) for mode in modes]
    pg = not quick and postgres_available()
    if pg:
        plans += [("postgres", mode) for mode in modes]
    for backend, workers in plans:
        if backend == "sqlite":
            url = sqlite_url(work, f"ingest-{workers}")
            results.append(one_config(work, backend, url, workers, duration, rounds, warmup))
        else:
            with fresh_postgres() as url:
                results.append(one_config(work, backend, url, workers, duration, rounds, warmup))
    section.header = [
        "database",
        "workers",
        "tickets/s",
        "noop/s",
        "ratio",
        "p50 ms",
        "p99 ms",
        "noop p99 ms",
        "errors",
        "deliveries after the load",
    ]
    for r in results:
        noop: LoadResult = r["noop"]  # type: ignore[assignment]
        tickets: LoadResult = r["tickets"]  # type: ignore[assignment]
        ratio = float(r["ratio"])  # type: ignore[arg-type]
        states = r["deliveries"]
        mode = WORKER_LABELS[r["workers"]]  # type: ignore[index]
        label = f"{r['backend']}, {mode}"
        section.rows.append(
            [
                str(r["backend"]),
                mode,
                fmt(tickets.rps, 0),
                fmt(noop.rps, 0),
                f"{ratio:.2f}",
                fmt(tickets.p50_ms, 2),
                fmt(tickets.p99_ms, 2),
                fmt(noop.p99_ms, 2),
                str(tickets.errors + noop.errors),
                ", ".join(f"{k} {v}" for k, v in sorted(states.items())),  # type: ignore[union-attr]
            ]
        )
        section.lines.append(
            Line(
                f"ingest ({label})",
                f"{fmt(tickets.rps, 0)} tickets/s, p50 {fmt(tickets.p50_ms, 1)} ms, "
                f"p99 {fmt(tickets.p99_ms, 1)} ms",
                f"{fmt(noop.rps, 0)} req/s noop",
                ratio,
            )
        )
        section.goals.append(
            Goal(
                f"ingest {r['backend']} ({mode}) >= 60% of the trivial endpoint",
                f"{ratio:.0%}",
                ratio >= GOAL_RATIO,
            )
        )
        section.goals.append(
            Goal(
                f"ingest {r['backend']} ({mode}) p99 <= 20 ms at 32 connections",
                f"{tickets.p99_ms:.1f} ms (trivial endpoint: {noop.p99_ms:.1f} ms)",
                tickets.p99_ms <= GOAL_P99_MS,
            )
        )
    section.notes += [
        f"{CONNECTIONS} keep-alive connections, closed loop; {rounds} alternating rounds of "
        f"{duration:g} s per endpoint"
        + (f" after {warmup:g} s of warm-up each" if warmup else "")
        + "; ratio = median of the per-round ratios. One uvicorn worker serves both "
        "endpoints (as `hub serve` does by default).",
        "Baseline `POST /bench/noop`: routing, the `require_api_key` guard of /api/v1, "
        "reading the body, a small JSON 202. No validation, no database.",
        "Tickets: every request a new ticket of one published event (validated, stored "
        "with its delivery job in one transaction, then 202). The video provider's hooks "
        "do nothing, so 'workers on' measures the pipeline's own cost (claim, load, call, "
        "record) competing with ingest in the same process; 'workers off' is ingest alone; "
        "'worker process' is the server with `run_workers = false` and the deliveries run "
        "by a `hub worker` process on the same database (bench/worker.py), as README's "
        "'Running in production' describes: the load generator, the server and the worker "
        "share the two cores.",
        "'deliveries after the load' shows whether the workers kept up with ingest.",
    ]
    if not pg and not quick:
        section.notes.append("PostgreSQL was not reachable: its rows are missing.")
    section.seconds = time.monotonic() - started
    return section
