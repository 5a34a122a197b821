"""Hub and emulator processes for the long proofs.

The load proofs run the hub, the emulator and the load generator in separate processes:
on a two-core machine one Python process hosting all three spends its time switching
between them, and a SIGKILL must hit the hub alone. The hub process is the same app and
runtime as ``hub serve`` (``tests.support.serve``); its config is written as hub.toml.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
from hub_zoom.emulator.config import EmulatorConfig

from tests.support.processes import ROOT, HubProcess, free_port

__all__ = [
    "ROOT",
    "EmulatorProcess",
    "HubProcess",
    "cpu_seconds",
    "free_port",
    "toml",
    "write_hub_config",
]


def cpu_seconds(proc: subprocess.Popen[bytes] | None) -> float | None:
    """User + system CPU time of a live child process (Linux), for the figures."""
    if proc is None or proc.poll() is not None:
        return None
    try:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value))


def toml(data: dict[str, Any], prefix: str = "") -> str:
    """TOML for nested dicts of scalars and lists (all hub.toml needs)."""
    scalars = [f"{k} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    lines = ([f"[{prefix}]"] if prefix and scalars else []) + scalars
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(toml(value, f"{prefix}.{key}" if prefix else key))
    return "\n".join(lines) + "\n"


def write_hub_config(
    path: Path,
    db_url: str,
    zoom: dict[str, Any],
    pipeline: dict[str, Any] | None = None,
    logging: dict[str, Any] | None = None,
) -> Path:
    config = {
        "hub": {"default_video_provider": "zoom"},
        "database": {"url": db_url},
        "pipeline": {"poll_interval_seconds": 0.1, **(pipeline or {})},
        "logging": {"level": "warning", **(logging or {})},
        "plugins": {"enabled": ["zoom"], "zoom": zoom},
    }
    path.write_text(toml(config))
    return path


class EmulatorProcess:
    """The Zoom emulator in its own process (``support/emulator_main.py``)."""

    def __init__(self, workdir: Path, **overrides: Any) -> None:
        self.port = free_port()
        self.config = msgspec.convert(
            {"port": self.port, "host": "127.0.0.1", **overrides}, EmulatorConfig
        )
        self.config_path = workdir / "emulator.json"
        self.figures_path = workdir / "emulator-figures.json"
        self.log = workdir / "emulator.log"
        self.config_path.write_bytes(msgspec.json.encode(self.config))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/_emulator"

    def zoom_settings(self, **extra: Any) -> dict[str, Any]:
        """``[plugins.zoom]`` for a hub using this emulator's Server-to-Server app."""
        return {
            "auth": "server_to_server",
            "account_id": self.config.account_id,
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "api_base_url": f"{self.base_url}/v2",
            "oauth_base_url": self.base_url,
            "plan": self.config.plan,
            "webhook_secret_token": self.config.webhook_secret,
            **extra,
        }

    def start(self, timeout: float = 30.0) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.reliability.support.emulator_main",
                    str(self.config_path),
                    str(self.figures_path),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.control_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"emulator did not start; see {self.log}")

    def delay_answers(self, path_glob: str | None, seconds: float = 0.0) -> None:
        """Hold the answers of calls matching ``path_glob`` after Zoom acted on them."""
        response = httpx.post(
            f"{self.base_url}/_reliability/response-delay",
            json={"path_glob": path_glob, "seconds": seconds},
            timeout=10,
        )
        response.raise_for_status()

    def stop(self) -> dict[str, Any]:
        """SIGTERM, wait, and return the figures it wrote on the way out."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.figures_path.exists():
            return dict(json.loads(self.figures_path.read_text()))
        return {}
