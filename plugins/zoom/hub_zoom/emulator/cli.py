"""``hub zoom-emulator``: run the emulator alone, in the foreground, with uvicorn."""

from __future__ import annotations

import asyncio

import click
import uvicorn

from .app import create_app
from .config import EmulatorConfig, HostUser
from .state import ZoomEmulator
from .transport import uvicorn_config


@click.command("zoom-emulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option(
    "--plan", type=click.Choice(["free", "pro", "business"]), default="pro", show_default=True
)
@click.option("--account-id", default="emuAccount1", show_default=True)
@click.option("--client-id", default="emuClientId", show_default=True)
@click.option("--client-secret", default="emuClientSecret", show_default=True)
@click.option("--webhook-url", default=None, help="Where to send signed Zoom webhooks.")
@click.option("--webhook-secret", default="emulator-webhook-secret", show_default=True)
@click.option("--seed", default=0, type=int, show_default=True)
@click.option(
    "--time-scale",
    default=1.0,
    type=float,
    show_default=True,
    help="Emulated seconds per real second.",
)
@click.option(
    "--redelivery-compression",
    default=1.0,
    type=float,
    show_default=True,
    help="Divide Zoom's webhook retry schedule (5/20/60 min) by this factor.",
)
@click.option("--owner-email", default="owner@example.com", show_default=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="Allowed OAuth redirect URIs.")
@click.option("--public-base-url", default=None, help="Base URL put into join/start/download URLs.")
@click.option("--log-level", default="info", show_default=True)
def zoom_emulator_command(
    host: str,
    port: int,
    plan: str,
    account_id: str,
    client_id: str,
    client_secret: str,
    webhook_url: str | None,
    webhook_secret: str,
    seed: int,
    time_scale: float,
    redelivery_compression: float,
    owner_email: str,
    redirect_uris: tuple[str, ...],
    public_base_url: str | None,
    log_level: str,
) -> None:
    """Run a local Zoom (OAuth, REST API v2, webhooks, meeting simulator)."""
    config = EmulatorConfig(
        host=host,
        port=port,
        plan=plan,  # type: ignore[arg-type]
        account_id=account_id,
        client_id=client_id,
        client_secret=client_secret,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        seed=seed,
        time_scale=time_scale,
        redelivery_compression=redelivery_compression,
        users=[HostUser(email=owner_email)],
        redirect_uris=list(redirect_uris),
        public_base_url=public_base_url,
    )
    emulator = ZoomEmulator(config)
    app = create_app(config, emulator=emulator)
    base = f"http://{host}:{port}"
    click.echo(
        f"Zoom emulator on {base}  (API {base}/v2, OAuth {base}/oauth, control {base}/_emulator)"
    )
    server = uvicorn.Server(uvicorn_config(app, host, port, log_level=log_level))
    asyncio.run(server.serve())


def main() -> None:
    zoom_emulator_command()
