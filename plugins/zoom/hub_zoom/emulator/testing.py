"""Running the emulator on a real loopback port, for tests of any part of the hub.

``running_emulator`` serves it with uvicorn inside the current event loop (so tests
use real HTTP, real sockets and real connection resets) and yields a handle with the
URLs to configure the Zoom plugin with and direct access to the emulator state::

    async with running_emulator(plan="free", webhook_url=url) as zoom:
        plugin_config = {"api_base_url": zoom.api_base_url, "oauth_base_url": zoom.oauth_base_url}
        ...
        assert zoom.state.stats.calls["POST /v2/users/{userId}/meetings"] == 1

``emulator_in_thread`` does the same from synchronous code, with its own loop in a
background thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from .app import create_app
from .clock import Clock
from .config import EmulatorConfig
from .state import ZoomEmulator
from .transport import QuietServer, uvicorn_config


@dataclass
class EmulatorHandle:
    base_url: str
    api_base_url: str
    oauth_base_url: str
    control_url: str
    state: ZoomEmulator
    config: EmulatorConfig
    port: int

    @property
    def emulator(self) -> ZoomEmulator:
        return self.state


def build_config(config: EmulatorConfig | None = None, **overrides: Any) -> EmulatorConfig:
    base = config or EmulatorConfig()
    if overrides:
        merged = msgspec.to_builtins(base)
        merged.update(msgspec.to_builtins(overrides))
        return msgspec.convert(merged, EmulatorConfig)
    return base


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def running_emulator(
    config: EmulatorConfig | None = None,
    *,
    clock: Clock | None = None,
    **overrides: Any,
) -> AsyncIterator[EmulatorHandle]:
    """Serve a fresh emulator on 127.0.0.1 and a free port for the duration of the block.

    ``overrides`` are ``EmulatorConfig`` fields (``plan="free"``, ``webhook_url=...``);
    ``port`` defaults to 0 (any free port).  ``clock`` injects a prepared clock.
    """
    overrides.setdefault("port", 0)
    cfg = build_config(config, **overrides)
    sock = _bind(cfg.host, cfg.port)
    port = sock.getsockname()[1]
    cfg = msgspec.structs.replace(cfg, port=port)
    emulator = ZoomEmulator(cfg, clock=clock)
    base = f"http://{cfg.host}:{port}"
    emulator.set_base_url(base)
    app = create_app(cfg, emulator=emulator)
    server = QuietServer(uvicorn_config(app, cfg.host, port))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("emulator server stopped during startup")
            await asyncio.sleep(0.005)
        yield EmulatorHandle(
            base_url=base,
            api_base_url=f"{base}/v2",
            oauth_base_url=base,
            control_url=f"{base}/_emulator",
            state=emulator,
            config=cfg,
            port=port,
        )
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(task, timeout=10)
        except TimeoutError:
            server.force_exit = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await emulator.webhooks.close()
        sock.close()


@contextlib.contextmanager
def emulator_in_thread(
    config: EmulatorConfig | None = None, **overrides: Any
) -> Iterator[EmulatorHandle]:
    """Synchronous variant: the emulator runs in its own loop in a daemon thread.

    Direct access to ``handle.state`` from the calling thread is for reading; use the
    control API to change state while the server runs.
    """
    ready = threading.Event()
    stop: asyncio.Event | None = None
    loop_box: dict[str, Any] = {}

    async def main() -> None:
        nonlocal stop
        stop = asyncio.Event()
        try:
            async with running_emulator(config, **overrides) as handle:
                loop_box["handle"] = handle
                loop_box["loop"] = asyncio.get_running_loop()
                ready.set()
                await stop.wait()
        except BaseException as exc:  # report startup failures to the caller
            loop_box["error"] = exc
            ready.set()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    ready.wait(30)
    if "error" in loop_box:
        raise RuntimeError("emulator failed to start") from loop_box["error"]
    if "handle" not in loop_box:
        raise RuntimeError("emulator did not start within 30 s")
    try:
        yield loop_box["handle"]
    finally:
        loop = loop_box["loop"]
        assert stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)
