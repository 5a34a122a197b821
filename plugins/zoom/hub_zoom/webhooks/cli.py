"""``hub zoom recordings download|list`` and ``hub zoom attendance recompute``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

console = Console(stderr=True)


def _config(ctx: click.Context) -> str | None:
    root = ctx.find_root().obj
    return root.get("config") if isinstance(root, dict) else None


@click.group("recordings")
def recordings_group() -> None:
    """Cloud recordings of the hub's Zoom meetings."""


@recordings_group.command("download")
@click.option("--event", "event_id", required=True, help="The hub event id.")
@click.option(
    "--to",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the files to (created if missing).",
)
@click.pass_context
def download_command(ctx: click.Context, event_id: str, folder: Path) -> None:
    """Download every recording file of an event, with a progress bar.

    Files are written under temporary names and renamed when complete, so an interrupted
    run leaves no truncated file; running again downloads only what is missing.
    """
    from hub.runtime import open_hub
    from hub_zoom.recordings.download import download_event

    async def run() -> list[Path]:
        async with open_hub(_config(ctx), run_workers=False) as runtime:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as bar:
                tasks: dict[str, Any] = {}

                def on_start(files: list[Any]) -> None:
                    for f in files:
                        tasks[f.file_id] = bar.add_task(
                            f"{f.file_type or 'file'} {f.file_id[:12]}", total=f.file_size
                        )

                def on_chunk(stored: Any, size: int) -> None:
                    bar.advance(tasks[stored.file_id], size)

                return await download_event(
                    runtime.hub, event_id, folder, progress=on_chunk, on_start=on_start
                )

    paths = asyncio.run(run())
    if not paths:
        console.print(f"no recording files for event {event_id!r}")
    for path in paths:
        click.echo(str(path))


@recordings_group.command("list")
@click.option("--event", "event_id", required=True, help="The hub event id.")
@click.pass_context
def list_command(ctx: click.Context, event_id: str) -> None:
    """List an event's recording files and their state."""
    from hub.runtime import open_hub
    from hub_zoom.recordings.store import files_of_event

    async def run() -> list[Any]:
        async with open_hub(_config(ctx), run_workers=False) as runtime:
            return await files_of_event(runtime.hub, event_id, status=None)

    for f in asyncio.run(run()):
        click.echo(f"{f.file_id}\t{f.file_type}\t{f.file_size}\t{f.status}")


@click.group("attendance")
def attendance_group() -> None:
    """Attendance of the hub's Zoom meetings."""


@attendance_group.command("recompute")
@click.option("--event", "event_id", required=True, help="The hub event id.")
@click.pass_context
def recompute_command(ctx: click.Context, event_id: str) -> None:
    """Fetch Zoom's reports again and report the event's attendance (e.g. after a fix)."""
    from hub.errors import RetryLater
    from hub.runtime import open_hub
    from hub_zoom.attendance.final import report_event_attendance

    async def run() -> str:
        async with open_hub(_config(ctx), run_workers=False) as runtime:
            try:
                report = await report_event_attendance(runtime.hub, event_id)
            except RetryLater as exc:
                return f"provisional report stored; {exc.reason}"
            if report is None:
                return f"event {event_id!r} has no Zoom meeting"
            return f"final report with {len(report.records)} records"

    click.echo(asyncio.run(run()))


def commands() -> list[click.Command]:
    return [recordings_group, attendance_group]
