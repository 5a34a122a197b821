"""Runs a hub with the test-only provider as a separate process (for crash tests).

``python -m tests.support.serve CONFIG PORT``: the same app and runtime as ``hub serve``,
plus the test provider, which is not an installed distribution.
"""

from __future__ import annotations

import sys

import uvicorn

from hub.api.app import create_app
from hub.runtime import build_runtime
from tests.support.testvideo import TestVideoProvider


def main() -> None:
    config_path, port = sys.argv[1], int(sys.argv[2])
    runtime = build_runtime(config_path, extra_plugins={"testvideo": TestVideoProvider()})
    app = create_app(runtime, manage_runtime=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
