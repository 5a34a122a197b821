"""``python -m tests.reliability.support.emulator_main CONFIG.json FIGURES.json``: the Zoom
emulator alone in its own process, configured by any ``EmulatorConfig`` field.

``hub zoom-emulator`` exposes only some fields as options (not the webinar licence size the
5,000-seat webinar needs). The process also writes, when it exits on SIGTERM, figures the
control API does not publish: how many registration requests reached Zoom per email.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import msgspec
import uvicorn
from hub_zoom.emulator.app import create_app
from hub_zoom.emulator.config import EmulatorConfig
from hub_zoom.emulator.state import ZoomEmulator
from hub_zoom.emulator.transport import uvicorn_config


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
    server = _Server(uvicorn_config(app, config.host, config.port))

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
