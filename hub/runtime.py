"""Boots the hub: config, plugins, database, migrations, plugin start-up, workers.

Building (no I/O: plugins loaded, settings validated, objects wired) is separate from
starting (migrations, plugin start-up, workers), so the HTTP app can be built with every
plugin's routes before the server's lifespan starts the rest. ``open_hub`` does both and is
the single way to get a running hub, used by ``hub serve``, ``hub worker``, plugin
commands, the demo and the tests, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from hub.config.loader import load_config
from hub.config.schema import HubConfig
from hub.context import HubContext
from hub.observability.logging import configure_logging
from hub.pipeline.ingest import Ingestor
from hub.pipeline.worker import Worker
from hub.plugins.facade import HookFacade
from hub.plugins.manager import PluginRegistry, build_registry
from hub.security.api_keys import ApiKeys
from hub.security.secretbox import secret_box_from_env
from hub.storage import migrate
from hub.storage.database import Database
from hub.storage.statistics import StatisticsKeeper


@dataclass
class HubRuntime:
    config: HubConfig
    registry: PluginRegistry
    db: Database
    hub: HubContext
    facade: HookFacade
    ingestor: Ingestor
    worker: Worker
    api_keys: ApiKeys
    statistics: StatisticsKeeper
    started: bool = False
    workers_running: bool = False

    async def start(self, run_workers: bool | None = None) -> None:
        await migrate.upgrade(self.db, self.registry.migration_sources())
        await self.facade.startup(self.hub)
        self.started = True
        # After plugin start-up, which joins the budgets this process draws on.
        await self.hub.budgets.start()
        self.statistics.start()
        if self.config.pipeline.run_workers if run_workers is None else run_workers:
            self.worker.start()
            self.workers_running = True

    async def stop(self) -> None:
        try:
            if self.workers_running:
                await self.worker.stop()
            await self.statistics.stop()
            if self.started:
                await self.hub.budgets.stop()
                await self.facade.shutdown(self.hub)
        finally:
            await self.db.dispose()


def build_runtime(
    config: HubConfig | str | None = None,
    *,
    extra_plugins: Mapping[str, Any] | None = None,
    configure_logs: bool = True,
) -> HubRuntime:
    """Everything that can fail on a bad config, before any I/O."""
    if not isinstance(config, HubConfig):
        config = load_config(config)
    if configure_logs:
        configure_logging(config.logging.format, config.logging.level)
    registry = build_registry(config, extra_plugins)
    db = Database(config.database.url, pool_size=config.database.pool_size)
    hub = HubContext(
        config=config, db=db, registry=registry, secret_box_or_none=secret_box_from_env()
    )
    facade = HookFacade(registry, timeout=config.pipeline.hook_timeout_seconds)
    ingestor = Ingestor(db, registry)
    worker = Worker(hub, facade, config.pipeline)
    hub.wakers.append(worker.wake)
    ingestor.on_accepted.append(worker.wake)
    statistics = StatisticsKeeper(db, interval=config.database.analyze_interval_seconds)
    return HubRuntime(
        config, registry, db, hub, facade, ingestor, worker, ApiKeys.from_env(), statistics
    )


@asynccontextmanager
async def open_hub(
    config: HubConfig | str | None = None,
    *,
    extra_plugins: Mapping[str, Any] | None = None,
    run_workers: bool | None = None,
    configure_logs: bool = True,
) -> AsyncIterator[HubRuntime]:
    runtime = build_runtime(config, extra_plugins=extra_plugins, configure_logs=configure_logs)
    try:
        await runtime.start(run_workers)
        yield runtime
    finally:
        await runtime.stop()
