"""``python -m bench.run [--quick] [--only NAME,...]``: run the benchmarks, write results.md.

Benchmarks never fail because a machine is slow: each one reports its figures, its ratio
to a baseline measured in the same run and whether the brief's goal holds. The command
exits non-zero only when a benchmark could not run at all (a crash, a server that did
not start), which is what the smoke test guards against.

``bench/findings.md`` (profiles, proposed fixes, before/after figures) is written by hand
and appended to the results, so the measured tables and their explanation stay together.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import attendance, ingest, memory, sync, webhooks
from bench.load import tool_name
from bench.report import Section, render, write

HERE = Path(__file__).resolve().parent
WHOLE_RUN_SECONDS = 570.0  # the full run must end within ten minutes, with a margin
MEMORY_MIN_SECONDS = 60.0
BENCHMARKS: dict[str, tuple[str, Callable[[Path, bool], Section]]] = {
    "ingest": ("1. Ingest", ingest.run),
    "webhooks": ("2. Webhook ingest", webhooks.run),
    "sync": ("3. Rate-limited sync", sync.run),
    "attendance": ("4. Attendance", attendance.run),
    "memory": ("5. Memory", memory.run),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short smoke run (< 60 s)")
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to write the results (default bench/results.md; quick: a temp file)",
    )
    parser.add_argument("--work-dir", type=Path, default=None, help="keep databases and logs")
    parser.add_argument(
        "--memory-budget",
        type=float,
        default=None,
        help="seconds the memory benchmark may ingest for (default: what fits ten minutes)",
    )
    return parser.parse_args(argv)


def _memory_budget(given: float | None, quick: bool, elapsed: float) -> float | None:
    """The memory benchmark goes last and may ingest for what is left of the ten minutes."""
    if given is not None or quick:
        return given
    return max(MEMORY_MIN_SECONDS, WHOLE_RUN_SECONDS - elapsed - 30.0)


def run(
    names: list[str], work: Path, quick: bool, memory_budget: float | None = None
) -> list[Section]:
    sections: list[Section] = []
    began = time.monotonic()
    for name in names:
        title, bench = BENCHMARKS[name]
        print(f"[bench] {title} ...", flush=True)
        started = time.monotonic()
        try:
            if name == "memory":
                budget = _memory_budget(memory_budget, quick, time.monotonic() - began)
                section = memory.run(work / name, quick, budget=budget)
            else:
                section = bench(work / name, quick)
        except Exception as exc:
            traceback.print_exc()
            section = Section(name, title, error=f"{type(exc).__name__}: {exc}"[:500])
        section.seconds = time.monotonic() - started
        for line in section.lines:
            print(f"[bench]   {line.benchmark}: {line.measured} | {line.baseline}", flush=True)
        sections.append(section)
    return sections


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="hub-bench-"))
    output = args.output or (
        Path(tempfile.gettempdir()) / "hub-bench-quick.md" if args.quick else HERE / "results.md"
    )
    started = time.monotonic()
    try:
        sections = run(names, work, args.quick, args.memory_budget)
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    findings = HERE / "findings.md"
    text = render(
        sections,
        quick=args.quick,
        tool=tool_name(),
        total_seconds=time.monotonic() - started,
        findings=findings.read_text(encoding="utf-8") if findings.exists() else "",
    )
    write(output, text)
    print(f"[bench] wrote {output} in {time.monotonic() - started:.0f} s", flush=True)
    return 1 if any(s.error for s in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
