"""The benchmarks still run: the quick mode of the cheapest ones produces figures.

No timing is asserted (a slow CI machine is not a failure); only that every benchmark ran,
produced its table and a positive ratio against its same-run baseline.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.report import Section
from bench.run import run


def check(sections: list[Section]) -> None:
    for section in sections:
        assert section.error is None, f"{section.key}: {section.error}"
        assert section.rows, section.key
        assert section.lines, section.key
        for line in section.lines:
            assert line.ratio is not None and line.ratio > 0, (section.key, line)
        assert section.goals, section.key


def test_cheapest_benchmarks_run_in_quick_mode(tmp_path: Path) -> None:
    check(run(["ingest", "webhooks", "attendance"], tmp_path, quick=True))


def test_python_load_generator_when_wrk_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Machines without wrk use bench.pyload; where wrk exists, prove the fallback too."""
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed: the test above already used bench.pyload")
    monkeypatch.setenv("BENCH_LOAD_TOOL", "pyload")
    check(run(["ingest"], tmp_path, quick=True))
