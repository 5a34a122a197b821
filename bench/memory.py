"""Benchmark 5: the hub's resident memory while it ingests a growing number of tickets.

One server (SQLite, workers on, the no-op provider) takes sales of one event from the
load generator, continuously; its RSS is read from /proc at 10k, 25k, 50k and 100k
accepted tickets, and every 2,500 for the slope. A process whose memory holds per-ticket
state (a cache without a bound, a registry of every request) shows a slope; one that only
keeps bounded working state shows a plateau once its caches are warm.

Reaching 100,000 takes 100,000 / (ingest rate) seconds. The whole run must stay within
ten minutes, so the benchmark stops at 100,000 tickets or at its time budget, whichever
comes first, and reports the slope over what it reached.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.common import API_KEY, hub_config, hub_server, sqlite_url
from bench.ingest import EVENT_ID, event_body
from bench.load import Background, LoadSpec
from bench.plugins import NOOP_PROVIDER, TOOLS
from bench.report import Goal, Line, Section, fmt

MIB = 1024 * 1024
MARKS = (10_000, 25_000, 50_000, 100_000)
STEP = 2_500
WARM = 10_000  # the slope is taken after this many tickets (caches, pools, imports warm)
GOAL_SLOPE_MIB = 1.0  # per 10,000 tickets: "does not grow with volume"


@dataclass
class Sample:
    tickets: int
    rss: int
    seconds: float


def slope_per_10k(samples: list[Sample]) -> float | None:
    """Least-squares slope of RSS over tickets, in MiB per 10,000 tickets."""
    if len(samples) < 3:
        return None
    n = len(samples)
    mean_x = sum(s.tickets for s in samples) / n
    mean_y = sum(s.rss for s in samples) / n
    var = sum((s.tickets - mean_x) ** 2 for s in samples)
    if not var:
        return None
    cov = sum((s.tickets - mean_x) * (s.rss - mean_y) for s in samples)
    return cov / var * 10_000 / MIB


def run(work: Path, quick: bool, budget: float | None = None) -> Section:
    section = Section("memory", "5. Memory while ingesting")
    started = time.monotonic()
    target = 1_000 if quick else 100_000
    marks = tuple(m * target // 100_000 for m in MARKS)
    step = max(100 if quick else 250, STEP * target // 100_000)
    warm = WARM * target // 100_000
    budget = budget if budget is not None else (6.0 if quick else 170.0)
    config = hub_config(
        sqlite_url(work, "memory"), [NOOP_PROVIDER, TOOLS], default_provider=NOOP_PROVIDER
    )
    samples: list[Sample] = []
    with hub_server(work, "memory", config) as server:
        with server.client() as client:
            client.post("/api/v1/events/published", json=event_body()).raise_for_status()
        start_rss = server.rss()
        spec = LoadSpec(
            url=server.url,
            path="/api/v1/tickets/sold",
            source="tickets",
            duration=budget + 60,
            connections=32,
            headers={"Authorization": f"Bearer {API_KEY}"},
            event_id=EVENT_ID,
            tag=f"m{uuid.uuid4().hex[:6]}",
        )
        load = Background(spec)
        began = time.monotonic()
        next_sample = step
        accepted = 0
        try:
            while accepted < target and time.monotonic() - began < budget:
                time.sleep(0.25)
                accepted = int(server.stats()["tickets_accepted"])
                if accepted >= next_sample or accepted >= target:
                    samples.append(Sample(accepted, server.rss(), time.monotonic() - began))
                    next_sample = (accepted // step + 1) * step
        finally:
            result = load.stop()
        elapsed = time.monotonic() - began
        settle_until = time.monotonic() + (3 if quick else 20)
        while time.monotonic() < settle_until:
            states = server.stats(deliveries=True).get("deliveries", {})
            if not states.get("pending") and not states.get("running"):
                break
            time.sleep(0.5)
        drained_rss = server.rss()
    reached = samples[-1].tickets if samples else 0
    at_marks = [next((s for s in samples if s.tickets >= m), None) for m in marks]
    after_warm = [s for s in samples if s.tickets >= warm]
    slope = slope_per_10k(after_warm)
    # Also the second half alone: what still grows once every cache had half the run to fill.
    second_half = [s for s in samples if s.tickets >= target // 2]
    late_slope = slope_per_10k(second_half) if reached >= target else None
    section.header = ["tickets", "RSS MiB", "seconds"]
    section.rows = [["0 (started)", fmt(start_rss / MIB), "0"]]
    for mark, sample in zip(marks, at_marks, strict=True):
        if sample is None:
            section.rows.append([f"{mark:,}", "not reached", ""])
        else:
            section.rows.append(
                [f"{sample.tickets:,}", fmt(sample.rss / MIB), fmt(sample.seconds, 0)]
            )
    section.rows.append(["after the workers drained", fmt(drained_rss / MIB), ""])
    slope_text = "n/a" if slope is None else f"{slope:+.2f} MiB per 10k tickets"
    first = after_warm[0] if after_warm else None
    section.lines.append(
        Line(
            f"hub RSS over {reached:,} tickets ingested",
            f"slope {slope_text} after {warm:,}",
            f"{fmt(first.rss / MIB)} MiB at {first.tickets:,}" if first else "n/a",
            (samples[-1].rss / first.rss) if first and samples else None,
            ratio_text=(
                f"{samples[-1].rss / first.rss:.3f} (RSS at {reached:,} / at {first.tickets:,})"
                if first and samples
                else "n/a"
            ),
        )
    )
    if late_slope is not None:
        section.lines.append(
            Line(
                f"hub RSS from {target // 2:,} to {reached:,} tickets",
                f"slope {late_slope:+.2f} MiB per 10k tickets",
                f"{fmt(second_half[0].rss / MIB)} MiB at {second_half[0].tickets:,}",
                samples[-1].rss / second_half[0].rss,
                ratio_text=(
                    f"{samples[-1].rss / second_half[0].rss:.3f} "
                    f"(RSS at {reached:,} / at {second_half[0].tickets:,})"
                ),
            )
        )
    section.goals.append(
        Goal(
            f"RSS does not grow with volume (slope < {GOAL_SLOPE_MIB:g} MiB / 10k tickets)",
            slope_text + ("" if reached >= target else f", {reached:,} of {target:,} reached"),
            # A slope over part of the volume is reported, but proves nothing about 100k.
            None if slope is None or reached < target else slope < GOAL_SLOPE_MIB,
        )
    )
    section.notes += [
        f"SQLite, workers on (production default), 32 connections; {len(samples)} samples "
        f"every {step:,} accepted tickets; slope = least squares over the samples after "
        f"{warm:,}.",
        "The goal's slope is taken over everything after the warm-up; the second-half "
        "slope shows whether growth continues or was caches filling (SQLite's page cache is "
        "per pooled connection and bounded by its cache_size).",
        f"Load ran {fmt(elapsed, 0)} s at {fmt(result.rps, 0)} tickets/s "
        f"({result.errors} errors); time budget {budget:.0f} s.",
    ]
    if reached < target:
        needed = target / max(result.rps, 1.0)
        section.notes.append(
            f"Stopped at {reached:,} tickets: at this ingest rate {target:,} would take "
            f"about {needed:.0f} s, beyond the budget that keeps the whole run under ten "
            f"minutes (`python -m bench.run --only memory --memory-budget {needed * 1.1:.0f}` "
            "runs it to the end)."
        )
    section.seconds = time.monotonic() - started
    return section
