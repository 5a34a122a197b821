"""Background work a hub process repeats every few seconds while it runs.

Budget shares and table statistics both refresh on a timer for as long as the process
lives. Neither may stop because one run failed (the database may be briefly
unreachable), and both must be stopped, not abandoned, when the hub stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any


class Periodic:
    """Runs ``work`` every ``interval`` seconds until :meth:`stop`; a failed run is logged
    with ``failure`` and the next one comes on time."""

    def __init__(
        self,
        name: str,
        interval: float,
        work: Callable[[], Awaitable[Any]],
        *,
        log: Any,
        failure: str,
    ) -> None:
        self.name = name
        self.interval = interval
        self.work = work
        self.log = log
        self.failure = failure
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.work()
            except Exception:
                self.log.warning(self.failure, exc_info=True)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
