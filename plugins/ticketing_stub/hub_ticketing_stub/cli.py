"""``hub ticketing-stub ...``: the stub's command-line tools.

``simulate`` plays a ticketing platform against a running hub. It needs no hub.toml and no
database: it talks to the hub over HTTP with an API key, exactly as a platform's backend
would, so it works against a local hub, a remote one, or several behind a load balancer.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import cast

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from hub.models import EventFormat
from hub_ticketing_stub.simulate import PostOutcome, SimulationResult, simulate


@click.group("ticketing-stub")
def ticketing_stub() -> None:
    """Ticketing stub plugin: simulate a ticketing platform's traffic."""


@ticketing_stub.command("simulate")
@click.option(
    "--hub",
    "hub_url",
    envvar="HUB_URL",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Base URL of the running hub (or HUB_URL).",
)
@click.option(
    "--api-key",
    envvar="HUB_API_KEY",
    required=True,
    help="One of the hub's HUB_API_KEYS (or HUB_API_KEY).",
)
@click.option(
    "--events", type=click.IntRange(min=1), default=3, show_default=True, help="Events to publish."
)
@click.option(
    "--tickets",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Tickets to sell, in total, spread over the events.",
)
@click.option(
    "--refunds",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Sold tickets to refund afterwards, in total.",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Same seed, same events, buyers and ids (a re-run is all duplicates).",
)
@click.option(
    "--format",
    "event_format",
    type=click.Choice(["meeting", "webinar", "auto"]),
    default="auto",
    show_default=True,
    help="The events' format.",
)
@click.option(
    "--sessions",
    type=click.IntRange(min=0, max=20),
    default=0,
    show_default=True,
    help="Sessions per event (0: single-session events).",
)
@click.option(
    "--provider",
    "video_provider",
    default=None,
    help="Video provider for the events (default: the hub's default).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=512),
    default=8,
    show_default=True,
    help="Requests in flight at once.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def simulate_command(
    hub_url: str,
    api_key: str,
    events: int,
    tickets: int,
    refunds: int,
    seed: int,
    event_format: str,
    sessions: int,
    video_provider: str | None,
    concurrency: int,
    as_json: bool,
) -> None:
    """Publish events, sell tickets and refund some, against a running hub."""
    if refunds > tickets:
        raise click.BadParameter("cannot refund more tickets than are sold", param_hint="--refunds")
    console = Console(stderr=True)
    total = events + tickets + refunds
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=as_json or not console.is_terminal,
    ) as progress:
        task = progress.add_task("posting", total=total)

        def advance(_: PostOutcome) -> None:
            progress.advance(task)

        result = asyncio.run(
            simulate(
                hub_url,
                api_key,
                events,
                tickets,
                refunds,
                seed=seed,
                format=cast(EventFormat, event_format),
                sessions=sessions,
                video_provider=video_provider,
                concurrency=concurrency,
                on_outcome=advance,
            )
        )
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        print_summary(result, Console())
    sys.exit(0 if result.ok else 1)


def print_summary(result: SimulationResult, console: Console) -> None:
    """A table of the hub's verdicts per request kind, then any failures."""
    counts = result.counts()
    statuses = sorted({s for per_kind in counts.values() for s in per_kind})
    console.print(f"Simulated a ticketing platform against [bold]{result.base_url}[/bold]")
    table = Table("posted", *statuses)
    for kind in ("event", "ticket", "refund"):
        if kind in counts:
            table.add_row(kind + "s", *(str(counts[kind].get(s, 0)) for s in statuses))
    console.print(table)
    rate = len(result.outcomes) / result.elapsed_seconds if result.elapsed_seconds else 0.0
    console.print(
        f"{len(result.outcomes)} requests in {result.elapsed_seconds:.2f}s "
        f"({rate:.0f}/s), {result.retries} retries, seed {result.seed}"
    )
    for failure in result.failures[:20]:
        console.print(
            f"[red]{failure.status}[/red] {failure.kind} {failure.id}: "
            f"HTTP {failure.http_status or '-'} {failure.detail or ''}"
        )
    if len(result.failures) > 20:
        console.print(f"... and {len(result.failures) - 20} more failures")
