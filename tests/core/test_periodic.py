"""Periodic background work: a failed run is logged and the next one still comes."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.periodic import Periodic


class _Log:
    def __init__(self) -> None:
        self.warnings: list[tuple[str, dict[str, Any]]] = []

    def warning(self, message: str, **kwargs: Any) -> None:
        self.warnings.append((message, kwargs))


async def test_a_failed_run_is_logged_and_the_next_one_comes() -> None:
    runs: list[int] = []

    async def work() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise ConnectionError("database briefly unreachable")

    log = _Log()
    periodic = Periodic("test-periodic", 0.01, work, log=log, failure="could not refresh")
    periodic.start()
    periodic.start()  # a second start changes nothing
    try:
        async with asyncio.timeout(5):
            while len(runs) < 3:
                await asyncio.sleep(0.005)
    finally:
        await periodic.stop()
    assert not periodic.running
    assert log.warnings == [("could not refresh", {"exc_info": True})]
    stopped_at = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == stopped_at  # stopped means no more runs
