"""The Zoom emulator as its own process: ``python -m bench.emulator_proc PORT TIME_SCALE``.

In its own process the emulator's request handling never competes with the hub's event
loop or interpreter, as real Zoom would not. Pro plan, the emulator's default account and
app, webhooks off (the benchmarks exercise the registrant path, not webhook intake), and
room for far more webinar registrants than the benchmark registers.
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn
from hub_zoom.emulator import EmulatorConfig, ZoomEmulator, create_app
from hub_zoom.emulator.transport import uvicorn_config

WEBINAR_CAPACITY = 100_000


def main() -> None:
    port, time_scale = int(sys.argv[1]), float(sys.argv[2])
    config = EmulatorConfig(
        port=port,
        plan="pro",
        time_scale=time_scale,
        webinar_capacity=WEBINAR_CAPACITY,
        meeting_registrant_limit=WEBINAR_CAPACITY,
    )
    emulator = ZoomEmulator(config)
    emulator.set_base_url(f"http://127.0.0.1:{port}")
    app = create_app(config, emulator=emulator)
    server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", port))
    asyncio.run(server.serve())


if __name__ == "__main__":
    main()
