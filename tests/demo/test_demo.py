"""`hub demo` end to end, on each provider's sandbox, with small sizes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from hub.demo.runner import DemoOptions, run_demo

ROOT = Path(__file__).parents[2]


async def _demo(provider: str, tmp_path: Path) -> tuple[int, str]:
    out = io.StringIO()
    options = DemoOptions(
        config=str(ROOT / "hub.toml"),
        provider=provider,
        tickets=8,
        webinar_tickets=10,
        refunds=2,
        work_dir=str(tmp_path),
        timeout=90,
    )
    code = await run_demo(options, Console(file=out, width=160))
    return code, out.getvalue()


@pytest.mark.timeout(240)
async def test_hook_hub_sandbox(tmp_path: Path) -> None:
    """The example provider's sandbox runs the whole demo: every check passes."""
    code, output = await _demo("jitsi", tmp_path)
    assert code == 0, output
    assert "minutes per person match the meeting exactly" in output
    assert "FAILED" not in output


@pytest.mark.timeout(240)
async def test_demo_on_zoom_sandbox(tmp_path: Path) -> None:
    code, output = await _demo("zoom", tmp_path)
    assert code == 0, output
    assert "recording listed" in output
    assert "FAILED" not in output


@pytest.mark.timeout(240)
async def test_switching_default_provider_in_hub_toml_runs_demo_on_it(tmp_path: Path) -> None:
    """One changed line in hub.toml: the demo then runs on the example provider."""
    text = (ROOT / "hub.toml").read_text()
    assert 'default_video_provider = "zoom"' in text
    config = tmp_path / "hub.toml"
    config.write_text(
        text.replace('default_video_provider = "zoom"', 'default_video_provider = "jitsi"')
    )
    out = io.StringIO()
    options = DemoOptions(
        config=str(config),
        tickets=6,
        webinar_tickets=6,
        refunds=1,
        work_dir=str(tmp_path / "w"),
        timeout=90,
    )
    code = await run_demo(options, Console(file=out, width=160))
    assert code == 0, out.getvalue()
    assert "provider jitsi" in out.getvalue()
