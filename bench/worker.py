"""Delivery workers as their own process: ``python -m bench.worker CONFIG.json``.

What ``hub worker`` runs (the same runtime, workers on, the served process's garbage
collector settings), plus the benchmark-only plugins of :mod:`bench.plugins`, which are
not installed distributions and so are passed as ``extra_plugins``. Stops on SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys

from bench.plugins import NOOP_PROVIDER, TOOLS, BenchTools, NoopVideoProvider
from hub.config.loader import config_from_dict
from hub.config.schema import HubConfig
from hub.gc_tuning import tune_for_long_running_process
from hub.runtime import open_hub


async def run(config: HubConfig) -> None:
    extra = {NOOP_PROVIDER: NoopVideoProvider(), TOOLS: BenchTools()}
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    async with open_hub(config, extra_plugins=extra, run_workers=True):
        tune_for_long_running_process()
        print("worker ready", flush=True)
        await stop.wait()


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        with open(sys.argv[1], encoding="utf-8") as file:
            config = config_from_dict(json.load(file), sys.argv[1])
        asyncio.run(run(config))


if __name__ == "__main__":
    main()
