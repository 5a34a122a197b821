"""The one place core code calls plugin hooks.

pluggy calls implementations synchronously and one exception aborts the rest. The hub
instead calls each plugin's implementation on its own: coroutines are awaited, synchronous
functions run as they are, each call gets a timeout, and the outcome is recorded per
plugin. Core code never touches ``pm.hook`` outside this module.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from dataclasses import dataclass
from typing import Any, Literal

from hub.errors import PermanentFailure, RetryLater
from hub.observability import metrics
from hub.plugins.manager import PluginRegistry, is_hookimpl

OutcomeKind = Literal["ok", "retry", "transient", "permanent", "timeout", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """What one plugin's implementation did with one call."""

    plugin: str
    hook: str
    kind: OutcomeKind
    value: Any = None
    error: str | None = None
    retry_after: float | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.kind in ("ok", "skipped")


class HookFacade:
    """Typed access to the hooks of the enabled plugins."""

    def __init__(self, registry: PluginRegistry, timeout: float = 60.0) -> None:
        self.registry = registry
        self.timeout = timeout

    def _impl(self, plugin: str, hook: str) -> Any:
        impl = getattr(self.registry.pm.get_plugin(plugin), hook, None)
        return impl if is_hookimpl(impl) else None

    async def call(self, plugin: str, hook: str, /, **kwargs: Any) -> Outcome:
        """Call ``hook`` on one plugin, isolated: every exception becomes an Outcome."""
        impl = self._impl(plugin, hook)
        if impl is None:
            return Outcome(plugin, hook, "skipped")
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                value = impl(**kwargs)
                if inspect.isawaitable(value):
                    value = await value
            kind: OutcomeKind = "ok"
            outcome = Outcome(plugin, hook, kind, value=value)
        except RetryLater as exc:
            outcome = Outcome(
                plugin, hook, "retry", error=exc.reason, retry_after=exc.after_seconds
            )
        except PermanentFailure as exc:
            code = f" (code {exc.code})" if exc.code is not None else ""
            outcome = Outcome(plugin, hook, "permanent", error=f"{exc.reason}{code}")
        except TimeoutError:
            outcome = Outcome(plugin, hook, "timeout", error=f"timed out after {self.timeout}s")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            outcome = Outcome(plugin, hook, "transient", error=f"{type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - started
        metrics.HOOK_SECONDS.labels(plugin=plugin, hook=hook).observe(seconds)
        metrics.HOOK_OUTCOMES.labels(plugin=plugin, hook=hook, outcome=outcome.kind).inc()
        return Outcome(**{**outcome.__dict__, "seconds": seconds})

    async def broadcast(self, hook: str, /, **kwargs: Any) -> list[Outcome]:
        """Call ``hook`` on every enabled plugin that implements it, each isolated."""
        plugins = self.registry.implementers(hook)
        return list(await asyncio.gather(*(self.call(p, hook, **kwargs) for p in plugins)))

    async def startup(self, hub: Any) -> None:
        """Run ``hub_startup`` in plugin order; a failure refuses start-up, naming the plugin."""
        for plugin in self.registry.enabled:
            outcome = await self.call(plugin, "hub_startup", hub=hub)
            if not outcome.ok:
                raise RuntimeError(f'Plugin "{plugin}" failed to start: {outcome.error}')

    async def shutdown(self, hub: Any) -> None:
        for plugin in reversed(self.registry.enabled):
            await self.call(plugin, "hub_shutdown", hub=hub)

    def routes(self, hub: Any) -> list[Any]:
        handlers: list[Any] = []
        for plugin in self.registry.enabled:
            impl = self._impl(plugin, "hub_routes")
            if impl is not None:
                handlers.extend(impl(hub=hub) or ())
        return handlers
