"""A faithful local Zoom for tests, the demo and benchmarks.

It serves Zoom's OAuth endpoints (``/oauth``), the REST API v2 subset the hub uses
(``/v2``), recording downloads (``/rec``) and an emulator-only control API
(``/_emulator``, documented in :mod:`hub_zoom.emulator.control`), and sends signed
webhooks as Zoom does.  The Zoom plugin talks to it only through its configurable
``api_base_url`` and ``oauth_base_url``.

Entry points:

* ``create_app(config) -> Litestar`` and the state object ``ZoomEmulator``
  (``app.state.emulator``), whose ``clock`` can be advanced in tests;
* ``hub_zoom.emulator.testing.running_emulator(**overrides)``: serve it on a loopback
  port inside a test;
* ``hub_zoom.emulator.cli.zoom_emulator_command``: the ``zoom-emulator`` command.
"""

from .app import EmulatorApp, create_app
from .clock import Clock
from .config import DEFAULT_WEBHOOK_EVENTS, EmulatorConfig, HostUser, OAuthApp
from .faults import FaultConfig, FaultRule, Outage
from .state import ZoomEmulator
from .webhooks_out import encrypt_plain_token, sign

__all__ = [
    "DEFAULT_WEBHOOK_EVENTS",
    "Clock",
    "EmulatorApp",
    "EmulatorConfig",
    "FaultConfig",
    "FaultRule",
    "HostUser",
    "OAuthApp",
    "Outage",
    "ZoomEmulator",
    "create_app",
    "encrypt_plain_token",
    "sign",
]
