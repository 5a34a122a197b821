"""``hub zoom ...``: the Zoom plugin's commands (connection test, reconcile, recordings)."""

from __future__ import annotations

import click

from hub_zoom.lifecycle.cli import commands as lifecycle_commands
from hub_zoom.webhooks.cli import commands as webhook_commands


@click.group("zoom")
def zoom_group() -> None:
    """Zoom provider tools."""


for _command in (*lifecycle_commands(), *webhook_commands()):
    zoom_group.add_command(_command)
