"""``hub``: serve, worker, db, plugins, deliveries, keygen, demo, plus plugins' commands."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import click
import msgspec
from rich.console import Console
from rich.table import Table

from hub.errors import HubError
from hub.plugins.manager import discover_installed, load_plugin
from hub.security.secretbox import generate_key

console = Console(stderr=True)


class HubCli(click.Group):
    """Adds every installed plugin's commands; a plugin that fails to import is reported,
    not fatal, so `hub` stays usable to diagnose it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_plugin_commands()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or _plugin_commands().get(name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HubError as exc:
            console.print(f"[red]error:[/red] {exc}")
            sys.exit(2)


_cache: dict[str, click.Command] | None = None


def _plugin_commands() -> dict[str, click.Command]:
    global _cache
    if _cache is None:
        _cache = {}
        for plugin in discover_installed().values():
            try:
                module = load_plugin(plugin).module
                impl = getattr(module, "hub_cli_commands", None)
                commands = (impl() if callable(impl) else None) or ()
            except Exception as exc:
                console.print(f"[yellow]plugin {plugin.name!r} offers no commands: {exc}[/yellow]")
                continue
            for command in commands:
                _cache.setdefault(command.name or plugin.name, command)
    return _cache


@click.group(cls=HubCli)
@click.option(
    "--config",
    "config_path",
    envvar="HUB_CONFIG",
    default="hub.toml",
    show_default=True,
    help="Path to hub.toml (or HUB_CONFIG).",
)
@click.pass_context
def cli(ctx: click.Context, config_path: str) -> None:
    """hub: connects ticketing platforms to video providers through plugins."""
    ctx.obj = {"config": config_path}
    os.environ["HUB_CONFIG"] = config_path


def config_path(ctx: click.Context) -> str:
    return ctx.find_root().obj["config"]


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Server processes.")
@click.option("--config", "local_config", default=None, help="Path to hub.toml.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, local_config: str | None) -> None:
    """Run the HTTP API (and, unless [pipeline] run_workers = false, the workers)."""
    import uvicorn

    from hub.api.app import create_app
    from hub.runtime import build_runtime

    path = local_config or config_path(ctx)
    os.environ["HUB_CONFIG"] = path
    if workers > 1:
        uvicorn.run(
            "hub.api.asgi:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
        return
    app = create_app(build_runtime(path), manage_runtime=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@cli.command()
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run delivery workers only (several may share one PostgreSQL database)."""
    from hub.gc_tuning import tune_for_long_running_process
    from hub.runtime import open_hub

    async def run() -> None:
        async with open_hub(config_path(ctx), run_workers=True) as runtime:
            tune_for_long_running_process()
            console.print(f"worker {runtime.worker.id} running; Ctrl-C to stop")
            await asyncio.Event().wait()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply the hub's and every enabled plugin's migrations."""
    from hub.runtime import build_runtime
    from hub.storage import migrate

    runtime = build_runtime(config_path(ctx))

    async def run() -> None:
        try:
            await migrate.upgrade(runtime.db, runtime.registry.migration_sources())
        finally:
            await runtime.db.dispose()

    asyncio.run(run())
    console.print("database is up to date")


@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plugins_command(ctx: click.Context, as_json: bool) -> None:
    """List installed plugins, their versions, whether enabled, and their hooks."""
    from hub.api.system_routes import plugin_listing
    from hub.runtime import build_runtime

    runtime = build_runtime(config_path(ctx), configure_logs=False)
    listing = plugin_listing(runtime)
    if as_json:
        click.echo(msgspec.json.encode(listing).decode())
        return
    table = Table("plugin", "version", "enabled", "providers", "hooks")
    for p in listing:
        table.add_row(
            p["name"],
            p["version"],
            "yes" if p["enabled"] else "no",
            ", ".join(p["providers"]),
            ", ".join(p["hooks"]),
        )
    Console().print(table)


@cli.command()
@click.option("--state", type=click.Choice(["pending", "running", "done", "dead"]), default="dead")
@click.option("--retry", "retry_id", type=int, default=None, help="Replay this dead delivery.")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def deliveries(ctx: click.Context, state: str, retry_id: int | None, limit: int) -> None:
    """Show deliveries (dead letters by default) or replay one."""
    from sqlalchemy import select

    from hub.api.delivery_routes import replay
    from hub.runtime import open_hub
    from hub.storage import tables

    async def run() -> None:
        async with open_hub(config_path(ctx), run_workers=False, configure_logs=False) as runtime:
            if retry_id is not None:
                result = await replay(runtime, retry_id)
                console.print(f"delivery {result['id']} is pending again")
                return
            d = tables.deliveries
            async with runtime.db.connect() as conn:
                rows = (
                    await conn.execute(
                        select(d).where(d.c.state == state).order_by(d.c.id.desc()).limit(limit)
                    )
                ).all()
            table = Table("id", "plugin", "hook", "event", "ticket", "attempts", "error")
            for r in rows:
                table.add_row(
                    str(r.id),
                    r.plugin,
                    r.hook,
                    r.event_id or "",
                    r.ticket_id or "",
                    str(r.attempts),
                    (r.last_error or "")[:80],
                )
            Console().print(table)

    asyncio.run(run())


@cli.command()
@click.option("--provider", default=None, help="Video provider (default: hub.toml's).")
@click.option("--tickets", default=40, show_default=True, help="Tickets for the meeting.")
@click.option("--webinar-tickets", default=60, show_default=True, help="Tickets for the webinar.")
@click.option("--refunds", default=5, show_default=True)
@click.option("--seed", default=7, show_default=True)
@click.option(
    "--work-dir", default=None, help="Where the demo's database goes (default: a temp dir)."
)
@click.pass_context
def demo(
    ctx: click.Context,
    provider: str | None,
    tickets: int,
    webinar_tickets: int,
    refunds: int,
    seed: int,
    work_dir: str | None,
) -> None:
    """Run the whole product locally with a sandboxed provider; exit 1 if anything is missing."""
    from hub.demo.runner import DemoOptions, run_demo

    options = DemoOptions(
        config=config_path(ctx),
        provider=provider,
        tickets=tickets,
        webinar_tickets=webinar_tickets,
        refunds=min(refunds, tickets),
        seed=seed,
        work_dir=work_dir,
    )
    sys.exit(asyncio.run(run_demo(options, Console())))


@cli.command()
def keygen() -> None:
    """Print a random value for HUB_SECRET_KEY."""
    click.echo(generate_key())


def main() -> None:
    cli(prog_name="hub")


if __name__ == "__main__":
    main()
