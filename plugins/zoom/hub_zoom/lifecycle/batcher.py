"""Coalescing concurrent requests into one call: the heart of flash-sale registration.

The worker runs up to 64 deliveries at once; ten thousand tickets sold within minutes
would otherwise be ten thousand Zoom calls, each also charged against Zoom's per-registrant
and per-account quotas. Each delivery instead *submits* its item to the batcher of its
meeting and awaits its own result.

When a batch goes out:

* at once when ``size`` items wait;
* otherwise, when the meeting is quiet, once no new item arrived for ``linger`` seconds;
* when it is busy (a batch went out less than ``max_wait`` ago), ``max_wait`` seconds
  after the batch's first item;

and in both cases only while fewer than ``max_in_flight`` batches of this batcher are
still at Zoom; if more are, the items keep collecting until one returns.

Under load deliveries reach the batcher as a trickle, not a burst (each first passes the
pipeline's bookkeeping, which waits for the database), and a short fixed window would cut
that trickle into many small calls. A lone ticket still goes out after ``linger``.

The ``run`` function gets the items of one batch and returns one result per item, in
order; an exception it raises is given to every caller of that batch. Results are per
caller, so one holder's permanent error does not fail the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

I = TypeVar("I")  # noqa: E741 - the conventional name for an item type
O = TypeVar("O")  # noqa: E741

Runner = Callable[[list[I]], Awaitable[list[O]]]
MAX_WAIT_FACTOR = 16
"""A partial batch waits at most this many lingers after its first item."""
MAX_IN_FLIGHT = 2


class Batcher(Generic[I, O]):
    """Collects items for one target (one meeting) and sends them in batches."""

    def __init__(
        self,
        run: Runner[I, O],
        size: int,
        linger: float,
        *,
        max_wait: float | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        if size < 1:
            raise ValueError("batch size must be at least 1")
        self._run = run
        self._size = size
        self._linger = linger
        self._max_wait = max(linger, max_wait if max_wait is not None else linger * MAX_WAIT_FACTOR)
        self._max_in_flight = max(1, max_in_flight)
        self._waiting: list[tuple[I, asyncio.Future[O]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._deadline = 0.0
        self._last_sent = float("-inf")
        self._running: set[asyncio.Task[None]] = set()
        self.batches_sent = 0

    @property
    def idle(self) -> bool:
        return not self._waiting and not self._running

    async def submit(self, item: I) -> O:
        """Queue ``item`` and wait for its own result (or its batch's exception)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[O] = loop.create_future()
        self._waiting.append((item, future))
        if len(self._waiting) == 1:
            self._deadline = loop.time() + self._max_wait
        if len(self._waiting) >= self._size:
            self._send_full()
        else:
            self._arm()
        return await future

    def _arm(self) -> None:
        """(Re)start the pause timer, never beyond the first item's deadline."""
        loop = asyncio.get_running_loop()
        if self._timer is not None:
            self._timer.cancel()
        now = loop.time()
        busy = now - self._last_sent < self._max_wait
        until_deadline = self._deadline - now
        delay = max(0.0, until_deadline if busy else min(self._linger, until_deadline))
        self._timer = loop.call_later(delay, self._on_pause)

    def _on_pause(self) -> None:
        self._timer = None
        if self._waiting and len(self._running) < self._max_in_flight:
            self._start(self._take())

    def _send_full(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while len(self._waiting) >= self._size:
            self._start(self._take())
        if self._waiting:
            self._arm()

    def _take(self) -> list[tuple[I, asyncio.Future[O]]]:
        batch = self._waiting[: self._size]
        self._waiting = self._waiting[self._size :]
        return batch

    def _start(self, batch: list[tuple[I, asyncio.Future[O]]]) -> None:
        self._last_sent = asyncio.get_running_loop().time()
        if self._waiting:
            self._deadline = self._last_sent + self._max_wait
        task = asyncio.create_task(self._send(batch))
        self._running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._waiting and self._timer is None:
            # Items that collected while the previous calls were out: send after a pause.
            self._arm()

    async def _send(self, batch: list[tuple[I, asyncio.Future[O]]]) -> None:
        # A caller that gave up (its delivery timed out) is left out: its retry resends.
        live = [(item, future) for item, future in batch if not future.done()]
        if not live:
            return
        self.batches_sent += 1
        try:
            results = await self._run([item for item, _ in live])
            if len(results) != len(live):
                raise RuntimeError(f"batch runner returned {len(results)} results for {len(live)}")
        except BaseException as exc:
            for _, future in live:
                if not future.done():
                    future.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        for (_, future), result in zip(live, results, strict=True):
            if not future.done():
                future.set_result(result)


class BatcherPool(Generic[I, O]):
    """One :class:`Batcher` per key (per meeting), created on first use."""

    MAX_IDLE = 256

    def __init__(self, size: int, linger: float) -> None:
        self.size = size
        self.linger = linger
        self._batchers: dict[Hashable, Batcher[I, O]] = {}

    def get(self, key: Hashable, run: Runner[I, O]) -> Batcher[I, O]:
        batcher = self._batchers.get(key)
        if batcher is None:
            if len(self._batchers) > self.MAX_IDLE:
                for stale in [k for k, b in self._batchers.items() if b.idle]:
                    del self._batchers[stale]
            batcher = self._batchers[key] = Batcher(run, self.size, self.linger)
        return batcher

    async def submit(self, key: Hashable, run: Runner[I, O], item: I) -> O:
        return await self.get(key, run).submit(item)
