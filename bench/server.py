"""The hub under test, as its own process: ``python -m bench.server CONFIG.json PORT``.

The same app and runtime as ``hub serve`` (one uvicorn worker, the server's lifespan
starting the hub, workers on unless the config says ``run_workers = false``), plus the
benchmark-only plugin objects of :mod:`bench.plugins`, which are not installed
distributions and so are passed as ``extra_plugins``.
"""

from __future__ import annotations

import json
import sys

import uvicorn

from bench.plugins import NOOP_PROVIDER, TOOLS, BenchTools, NoopVideoProvider
from hub.api.app import create_app
from hub.config.loader import config_from_dict
from hub.runtime import build_runtime


def main() -> None:
    config_path, port = sys.argv[1], int(sys.argv[2])
    with open(config_path, encoding="utf-8") as file:
        raw = json.load(file)
    config = config_from_dict(raw, config_path)
    extra = {NOOP_PROVIDER: NoopVideoProvider(), TOOLS: BenchTools()}
    runtime = build_runtime(config, extra_plugins=extra)
    app = create_app(runtime, manage_runtime=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
