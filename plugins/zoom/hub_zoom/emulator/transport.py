"""Serving the emulator, with the ability to reset a TCP connection on purpose.

ASGI gives an application no way to drop a connection, yet "connection reset by peer"
is one of the failures the hub must survive.  The uvicorn protocol subclass below
exposes the connection's transport in the request scope; ``abort_connection`` then
closes the socket with SO_LINGER 0, which makes the kernel send a RST.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Generator
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

TRANSPORT_SCOPE_KEY = "zoom_emulator.transport"


class ResettableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, publishing its transport to the application."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's
            # algorithm and delayed ACKs add ~40 ms to every response.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        inner = self.app

        async def app_with_transport(scope: Any, receive: Any, send: Any) -> None:
            scope[TRANSPORT_SCOPE_KEY] = transport
            await inner(scope, receive, send)

        self.app = app_with_transport


def abort_connection(scope: dict[str, Any]) -> bool:
    """Reset the client connection of this request; False if the server can't."""
    transport: asyncio.Transport | None = scope.get(TRANSPORT_SCOPE_KEY)
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True


class QuietServer(uvicorn.Server):
    """A uvicorn server for in-process use: no signal handling (the owner decides when
    to stop) and a fast stop, since test suites start and stop many servers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            await asyncio.sleep(0.01)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        deadline = asyncio.get_running_loop().time() + (self.config.timeout_graceful_shutdown or 5)
        # uvicorn offers no event for "all connections closed", so poll briefly.
        while (  # noqa: ASYNC110
            self.server_state.connections or self.server_state.tasks
        ) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.005)
        for task in list(self.server_state.tasks):
            task.cancel()
        for connection in list(self.server_state.connections):
            # Requests still hanging (injected timeouts) are cut off.
            with contextlib.suppress(Exception):
                connection.transport.abort()  # type: ignore[attr-defined]
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()


def uvicorn_config(app: Any, host: str, port: int, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=ResettableH11Protocol,
        lifespan="on",
        log_level=log_level,
        access_log=False,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=2,
    )
