"""``python -m tests.reliability.support.emulator_main CONFIG.json FIGURES.json``: the Zoom
emulator alone in its own process, configured by any ``EmulatorConfig`` field.

``hub zoom-emulator`` exposes only some fields as options (not the webinar licence size the
5,000-seat webinar needs). The process also writes, when it exits on SIGTERM, figures the
control API does not publish: how many registration requests reached Zoom per email.

It adds one fault the emulator's own injector cannot make: :class:`ResponseDelay` holds
the *answer* of matching calls after Zoom has acted on them (the injector's latency comes
before the call is handled). A hub killed meanwhile has had its effect at Zoom and never
learns it, which is the case a crash test must cover.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import signal
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import uvicorn
from hub_zoom.emulator.app import create_app
from hub_zoom.emulator.config import EmulatorConfig
from hub_zoom.emulator.state import ZoomEmulator
from hub_zoom.emulator.transport import uvicorn_config


class ResponseDelay:
    """ASGI wrapper: ``POST /_reliability/response-delay {"path_glob", "seconds"}`` makes
    the answers of calls whose path matches wait ``seconds`` after they were handled."""

    PATH = "/_reliability/response-delay"

    def __init__(self, app: Any) -> None:
        self.app = app
        self.path_glob: str | None = None
        self.seconds = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == self.PATH and scope["method"] == "POST":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            settings = json.loads(body or b"{}")
            self.path_glob = settings.get("path_glob")
            self.seconds = float(settings.get("seconds") or 0.0)
            answer = json.dumps({"path_glob": self.path_glob, "seconds": self.seconds}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": answer})
            return
        if self.path_glob and self.seconds and fnmatch.fnmatchcase(scope["path"], self.path_glob):
            delay = self.seconds

            async def delayed(message: Any) -> None:
                if message["type"] == "http.response.start":
                    await asyncio.sleep(delay)
                await send(message)

            await self.app(scope, receive, delayed)
            return
        await self.app(scope, receive, send)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def figures(emulator: ZoomEmulator) -> dict[str, object]:
    requests: Counter[tuple[str, str]] = Counter()
    for key, count in emulator.rate_limits._user_daily.items():
        if key and key[0] == "registration":  # ("registration", meeting, email, day)
            requests[(key[1], key[2])] += count
    return {
        "registration_requests": sum(requests.values()),
        "registrants": len(requests),
        # {requests: how many (meeting, email) pairs got that many}
        "requests_per_registrant": {str(k): v for k, v in Counter(requests.values()).items()},
    }


def main() -> None:
    config_path, figures_path = Path(sys.argv[1]), Path(sys.argv[2])
    config = msgspec.json.decode(config_path.read_bytes(), type=EmulatorConfig)
    emulator = ZoomEmulator(config)
    app = create_app(config, emulator=emulator)
    server = _Server(uvicorn_config(ResponseDelay(app), config.host, config.port))

    async def serve() -> None:
        # SIGTERM ends the server and lets this process write its figures; uvicorn's own
        # handler would re-raise the signal after shutdown and kill the process first.
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGTERM, lambda: setattr(server, "should_exit", True)
        )
        await server.serve()

    asyncio.run(serve())
    figures_path.write_text(json.dumps(figures(emulator)))


if __name__ == "__main__":
    main()
