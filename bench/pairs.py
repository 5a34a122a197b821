"""Measuring an endpoint against its baseline in alternating rounds.

Other work on a shared machine comes and goes within seconds. Measuring the baseline for
ten seconds and then the endpoint for ten more lets a burst of someone else's CPU land on
one side only; alternating shorter rounds (baseline, endpoint, baseline, endpoint...) and
taking the median of the per-round ratios spreads such bursts over both.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace

from bench.load import LoadResult, LoadSpec, run_load


@dataclass
class Paired:
    baseline: LoadResult
    measured: LoadResult
    ratios: list[float]
    sent: int = 0  # requests of the measured spec, warm-up included

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios) if self.ratios else 0.0


def _merge(results: list[LoadResult]) -> LoadResult:
    """Totals over rounds; latency percentiles are the median of the rounds' values."""
    return LoadResult(
        requests=sum(r.requests for r in results),
        seconds=sum(r.seconds for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p90_ms=statistics.median(r.p90_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
        tool=results[0].tool,
    )


def paired(
    baseline: LoadSpec,
    measured: LoadSpec,
    rounds: int,
    *,
    warmup: float = 0.0,
    between: Callable[[], None] | None = None,
) -> Paired:
    """``rounds`` alternating runs of each spec (each ``spec.duration`` long).

    File-sourced runs continue where the previous run of the same spec stopped, so no
    request body is sent twice while the file lasts.
    """
    offsets = {"b": baseline.offset, "m": measured.offset}

    def run(spec: LoadSpec, side: str, tag: str, **changes: float) -> LoadResult:
        result = run_load(replace(spec, tag=tag, offset=offsets[side], **changes))
        offsets[side] += result.requests
        return result

    if warmup:
        run(baseline, "b", f"{baseline.tag}w", duration=warmup)
        run(measured, "m", f"{measured.tag}w", duration=warmup)
    base: list[LoadResult] = []
    meas: list[LoadResult] = []
    for i in range(rounds):
        base.append(run(baseline, "b", f"{baseline.tag}{i}"))
        meas.append(run(measured, "m", f"{measured.tag}{i}"))
        if between is not None:
            between()
    ratios = [m.rps / b.rps for b, m in zip(base, meas, strict=True) if b.rps]
    return Paired(_merge(base), _merge(meas), ratios, sent=offsets["m"] - measured.offset)
