"""The shape of a benchmark's result and its rendering into bench/results.md."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class Goal:
    """One goal of the brief: what was asked, what was measured, whether it holds."""

    text: str
    measured: str
    met: bool | None  # None: not measured in this run


@dataclass
class Line:
    """One row of the summary table: a figure, its same-run baseline and their ratio."""

    benchmark: str
    measured: str
    baseline: str
    ratio: float | None
    ratio_text: str = ""


@dataclass
class Section:
    key: str
    title: str
    lines: list[Line] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    @property
    def ratios(self) -> list[float]:
        return [line.ratio for line in self.lines if line.ratio is not None]


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(row) + " |" for row in rows)
    return out


def _mark(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "not proven"}[met]


def render(
    sections: list[Section], *, quick: bool, tool: str, total_seconds: float, findings: str
) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m bench.run{' --quick' if quick else ''}` on {now}; "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{_cpus()} CPUs, load generator: {tool}; whole run {total_seconds:.0f} s.",
        "",
        "Absolute figures on a shared two-core machine are noise; each benchmark's "
        "**ratio** is taken against a baseline measured in the same run, on the same "
        "machine, with the same load generator.",
    ]
    if quick:
        lines += [
            "",
            "**Quick mode**: a smoke run with short loads and small volumes; its figures "
            "prove the benchmarks work, they are not the results.",
        ]
    lines += ["", "## Summary", ""]
    summary = [
        [ln.benchmark, ln.measured, ln.baseline, ln.ratio_text or _ratio(ln.ratio)]
        for s in sections
        for ln in s.lines
    ]
    lines += _table(["benchmark", "measured", "baseline (same run)", "ratio"], summary)
    lines += ["", "## Goals", ""]
    goals = [[g.text, g.measured, _mark(g.met)] for s in sections for g in s.goals]
    lines += _table(["goal", "measured", "met"], goals)
    for section in sections:
        lines += ["", f"## {section.title}", ""]
        if section.error:
            lines += [f"**Failed**: `{section.error}`", ""]
        if section.rows:
            lines += [*_table(section.header, section.rows), ""]
        lines += [f"- {note}" for note in section.notes]
        lines.append(f"- Took {section.seconds:.0f} s.")
    if findings.strip():
        lines += ["", findings.strip()]
    return "\n".join(lines) + "\n"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
