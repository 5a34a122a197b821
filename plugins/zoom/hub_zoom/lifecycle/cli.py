"""``hub zoom test-connection`` and ``hub zoom reconcile --event ID``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub.errors import HubError
from hub.runtime import HubRuntime

T = TypeVar("T")
console = Console(stderr=True)


def _config_path(ctx: click.Context) -> str | None:
    root = ctx.find_root().obj
    return root.get("config") if isinstance(root, dict) else None


def _with_hub(ctx: click.Context, work: Callable[[HubRuntime], Awaitable[T]]) -> T:
    """Open the hub (database, config, Zoom plugin) without workers and run ``work``."""
    from hub.runtime import open_hub
    from hub_zoom.service import PLUGIN

    async def run() -> T:
        async with open_hub(_config_path(ctx), run_workers=False, configure_logs=False) as rt:
            if PLUGIN not in rt.hub.state:
                raise HubError("the zoom plugin is not enabled in [plugins] enabled")
            return await work(rt)

    return asyncio.run(run())


@click.command("test-connection")
@click.pass_context
def test_connection(ctx: click.Context) -> None:
    """Check the Zoom credentials: prints the connected user, exits 1 if not connected."""
    from hub_zoom.lifecycle.connection import CONNECTED, connection_status

    async def work(rt: HubRuntime) -> dict[str, Any]:
        return await connection_status(rt.hub)

    status = _with_hub(ctx, work)
    if status["status"] != CONNECTED:
        click.echo(f"Not connected to Zoom ({status['status']}): {status['message']}")
        sys.exit(1)
    user = status["user"] or {}
    click.echo(f"Connected to Zoom as {user.get('name')} ({user.get('email')})")
    if status["missing_scopes"]:
        click.echo("Missing scopes: " + ", ".join(status["missing_scopes"]))


class _RichProgress:
    """Adapts :class:`hub_zoom.lifecycle.reconcile.Progress` to a rich progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    def start(self, total: int, description: str) -> None:
        self.task = self.progress.add_task(description, total=total)

    def advance(self, count: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, count)


@click.command("reconcile")
@click.option("--event", "event_id", required=True, help="The hub event id.")
@click.pass_context
def reconcile(ctx: click.Context, event_id: str) -> None:
    """Repair drift between sold tickets and Zoom's registrants; prints what changed (JSON)."""
    from hub_zoom.lifecycle.reconcile import EventNotFound, reconcile_event

    async def work(rt: HubRuntime) -> dict[str, Any]:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=True) as bar:
            return await reconcile_event(rt.hub, event_id, _RichProgress(bar))

    from hub_zoom.api.errors import ZoomApiError

    try:
        result = _with_hub(ctx, work)
    except (EventNotFound, ZoomApiError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(1)
    click.echo(msgspec.json.encode(result).decode())
    if any(session.get("failed") for session in result["sessions"]):
        sys.exit(1)


def commands() -> list[click.Command]:
    return [test_connection, reconcile]
