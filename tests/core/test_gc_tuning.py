"""The server's start-up freezes what it loaded and raises the collector's first threshold."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.gc_tuning import FIRST_THRESHOLD, tune_for_long_running_process
from hub.runtime import build_runtime
from tests.conftest import make_config
from tests.support.testvideo import TestVideoProvider


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()  # back into the oldest generation: collectable again
        gc.set_threshold(*threshold)


def test_tuning_freezes_survivors_and_keeps_collecting_garbage(restored_gc: None) -> None:
    tune_for_long_running_process()
    assert gc.get_threshold()[0] == FIRST_THRESHOLD
    assert gc.get_freeze_count() > 10_000  # modules, classes, the test session's objects

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    Cycle()  # garbage made after the freeze is still found
    assert gc.collect() >= 1


async def test_served_app_tunes_at_start_up(sqlite_url: str, restored_gc: None) -> None:
    runtime = build_runtime(
        make_config(sqlite_url, ["testvideo"]), extra_plugins={"testvideo": TestVideoProvider()}
    )
    assert gc.get_freeze_count() == 0
    async with AsyncTestClient(app=create_app(runtime, manage_runtime=True)) as client:
        assert (await client.get("/health")).status_code == 200
        assert gc.get_threshold()[0] == FIRST_THRESHOLD
        assert gc.get_freeze_count() > 0


async def test_embedded_app_leaves_the_collector_alone(sqlite_url: str, restored_gc: None) -> None:
    runtime = build_runtime(
        make_config(sqlite_url, ["testvideo"]), extra_plugins={"testvideo": TestVideoProvider()}
    )
    threshold = gc.get_threshold()
    await runtime.start()
    try:
        async with AsyncTestClient(app=create_app(runtime)) as client:
            assert (await client.get("/health")).status_code == 200
    finally:
        await runtime.stop()
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, 0)
