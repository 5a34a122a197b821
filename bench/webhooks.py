"""Benchmark 2: signed ``meeting.participant_joined`` deliveries into ``POST /webhooks/zoom``.

The hub runs the Zoom plugin with a ``webhook_secret_token``; every request is a distinct
participant joining one meeting the hub knows (a ``zoom_meetings`` row is seeded), signed
as Zoom signs it, so each one is verified (HMAC over the raw body, timestamp window),
parsed, given its dedupe key and stored with its delivery before the 200. Workers are on,
as in production, so the stored deliveries are also processed during the load (each
becomes a ``zoom_participant_events`` row). The baseline is ``POST /bench/noop-webhook``
on the same server with the same requests: routing and reading the body, nothing else.
A second configuration runs the deliveries in a separate worker process (the server with
``run_workers = false``), so the intake is measured without the processing beside it.

wrk's scripting cannot compute an HMAC, so the signed requests are built beforehand
(with the emulator's signer, not the plugin's verifier) and replayed from a file.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from pathlib import Path

from bench.common import hub_config, hub_server, sqlite_url, worker_process
from bench.load import LoadSpec
from bench.pairs import Paired, paired
from bench.plugins import TOOLS
from bench.report import Goal, Line, Section, fmt

ACCOUNT = "benchAccount1"
SECRET = "bench-webhook-secret-token"
MEETING_ID = "85000000001"
CONNECTIONS = 32
GOAL_RATIO = 0.60


def zoom_settings() -> dict[str, object]:
    return {
        "auth": "server_to_server",
        "account_id": ACCOUNT,
        "client_id": "benchClient",
        "client_secret": "bench-client-secret",
        # Nothing in this benchmark calls Zoom; an unused port makes sure of it.
        "api_base_url": "http://127.0.0.1:9/v2",
        "oauth_base_url": "http://127.0.0.1:9",
        "webhook_secret_token": SECRET,
    }


def write_requests(path: Path, count: int, run_tag: str) -> None:
    """``count`` distinct signed deliveries, one JSON object per line."""
    from hub_zoom.emulator.webhooks_out import sign

    timestamp = str(int(time.time()))
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            body = json.dumps(
                {
                    "event": "meeting.participant_joined",
                    "event_ts": 1_900_000_000_000 + i,
                    "payload": {
                        "account_id": ACCOUNT,
                        "object": {
                            "uuid": "benchUuid==",
                            "id": MEETING_ID,
                            "host_id": "benchHost",
                            "topic": "Benchmark Webinar",
                            "type": 2,
                            "start_time": "2030-07-15T14:00:00Z",
                            "timezone": "UTC",
                            "duration": 60,
                            "participant": {
                                "user_id": str(16_000_000 + i),
                                "user_name": f"Attendee {i}",
                                "id": f"{run_tag}u{i}",
                                "participant_uuid": f"{run_tag}-p{i}",
                                "join_time": "2030-07-15T14:00:05Z",
                                "email": f"attendee{i}@example.com",
                                "registrant_id": f"{run_tag}r{i}",
                            },
                        },
                    },
                },
                separators=(",", ":"),
            )
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "x-zm-request-timestamp": timestamp,
                "x-zm-signature": sign(SECRET, timestamp, body),
            }
            out.write(json.dumps({"headers": headers, "body": body}) + "\n")


def one_config(
    work: Path, apart: bool, unique: int, duration: float, rounds: int, warmup: float
) -> tuple[Paired, dict[str, int]]:
    """One server (and, with ``apart``, a worker process doing the deliveries) under load."""
    tag = uuid.uuid4().hex[:8]
    name = "webhooks-apart" if apart else "webhooks"
    requests_file = work / f"{name}.jsonl"
    write_requests(requests_file, unique, tag)
    config = hub_config(
        sqlite_url(work, name),
        ["zoom", TOOLS],
        default_provider="zoom",
        plugins={"zoom": zoom_settings()},
        run_workers=not apart,
    )
    with hub_server(work, name, config) as server:
        with server.client() as client:
            client.post(
                "/bench/zoom-meeting",
                json={
                    "event_id": "bench-event",
                    "meeting_id": MEETING_ID,
                    "connection_id": ACCOUNT,
                },
            ).raise_for_status()
        common = {
            "url": server.url,
            "source": "file",
            "duration": duration,
            "connections": CONNECTIONS,
            "requests_file": str(requests_file),
        }
        baseline = LoadSpec(path="/bench/noop-webhook", tag="n", **common)  # type: ignore[arg-type]
        measured = LoadSpec(path="/webhooks/zoom", tag="w", **common)  # type: ignore[arg-type]
        workers = worker_process(work, name, config) if apart else contextlib.nullcontext()
        with workers:
            result = paired(baseline, measured, rounds, warmup=warmup)
            after = server.stats(deliveries=True)
    return result, after.get("deliveries", {})


def run(work: Path, quick: bool) -> Section:
    section = Section("webhooks", "2. Webhook ingest: POST /webhooks/zoom")
    started = time.monotonic()
    duration, rounds, warmup = (1.0, 1, 0.0) if quick else (3.0, 3, 1.0)
    work.mkdir(parents=True, exist_ok=True)
    # Enough distinct bodies for ~1,500 stored per second; more would only be duplicates.
    unique = 3_000 if quick else 40_000
    result, states = one_config(work, False, unique, duration, rounds, warmup)
    apart, apart_states = one_config(work, True, unique, duration, rounds, warmup)
    real, noop = result.measured, result.baseline
    repeated = max(result.sent, apart.sent) > unique
    section.header = ["deliveries run", "endpoint", "req/s", "p50 ms", "p99 ms", "errors"]
    section.rows = [
        [where, name, fmt(r.rps, 0), fmt(r.p50_ms, 2), fmt(r.p99_ms, 2), str(r.errors)]
        for where, pair in (("in the server", result), ("in a worker process", apart))
        for name, r in (
            ("POST /webhooks/zoom", pair.measured),
            ("POST /bench/noop-webhook", pair.baseline),
        )
    ]
    section.lines.append(
        Line(
            "webhook intake (sqlite, workers on)",
            f"{fmt(real.rps, 0)} verified+stored/s, p99 {fmt(real.p99_ms, 1)} ms",
            f"{fmt(noop.rps, 0)} req/s noop",
            result.ratio,
        )
    )
    section.lines.append(
        Line(
            "webhook intake (sqlite, worker process)",
            f"{fmt(apart.measured.rps, 0)} verified+stored/s, "
            f"p99 {fmt(apart.measured.p99_ms, 1)} ms",
            f"{fmt(apart.baseline.rps, 0)} req/s noop",
            apart.ratio,
        )
    )
    section.goals.append(
        Goal(
            "webhook intake >= 60% of the trivial endpoint",
            f"{result.ratio:.0%}",
            result.ratio >= GOAL_RATIO,
        )
    )
    section.goals.append(
        Goal(
            "webhook intake, deliveries in a worker process, >= 60% of the trivial endpoint",
            f"{apart.ratio:.0%}",
            apart.ratio >= GOAL_RATIO,
        )
    )
    section.notes += [
        f"{CONNECTIONS} connections, {rounds} alternating rounds of {duration:g} s per "
        "endpoint; ratio = median of the per-round ratios.",
        "Measured: signature (HMAC-SHA256 over the raw body), timestamp window, JSON "
        "parsing, account routing, dedupe key, and the durable store of the delivery in "
        "one transaction before the 200. Baseline: routing and reading the body only.",
        f"{unique:,} distinct signed bodies were prepared"
        + (
            "; the measured endpoint received more requests than that, so some were "
            "answered as duplicates (cheaper than a store)."
            if repeated
            else "; no body was sent twice to the measured endpoint."
        ),
        "Workers on: deliveries after the load: "
        + ", ".join(f"{k} {v}" for k, v in sorted(states.items())),
        "Worker process: the server with `run_workers = false` and a `hub worker`-like "
        "process (bench/worker.py) doing the deliveries on the same database; after the "
        "load: " + ", ".join(f"{k} {v}" for k, v in sorted(apart_states.items())),
    ]
    section.seconds = time.monotonic() - started
    return section
