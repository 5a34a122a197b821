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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from hub.admin.panels import AdminCard, AdminSection
from hub.errors import PermanentFailure, RetryLater
from hub.observability import metrics
from hub.plugins.manager import PluginRegistry, is_hookimpl

OutcomeKind = Literal["ok", "retry", "transient", "permanent", "timeout", "skipped"]
T = TypeVar("T")

# An admin page waits for these hooks while someone looks at it.
ADMIN_HOOK_TIMEOUT = 10.0


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


@dataclass(frozen=True)
class AdminContribution(Generic[T]):
    """One plugin's part of an admin page, or why it has none (``error``)."""

    plugin: str
    value: T | None
    error: str | None = None


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
        return await self._call(plugin, hook, self.timeout, kwargs)

    async def _call(self, plugin: str, hook: str, limit: float, kwargs: dict[str, Any]) -> Outcome:
        impl = self._impl(plugin, hook)
        if impl is None:
            return Outcome(plugin, hook, "skipped")
        started = time.perf_counter()
        try:
            async with asyncio.timeout(limit):
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
            outcome = Outcome(plugin, hook, "timeout", error=f"timed out after {limit}s")
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

    # --- admin page -------------------------------------------------------------------------

    async def admin_cards(self, hub: Any) -> list[AdminContribution[AdminCard]]:
        """Every enabled plugin's ``hub_admin_card``, in plugin order, each isolated.

        A plugin returning something other than an :class:`AdminCard` gets an error entry,
        so a mistake in one plugin shows on its card instead of breaking the page.
        """
        results: list[AdminContribution[AdminCard]] = []
        for plugin in self.registry.implementers("hub_admin_card"):
            outcome = await self._call(plugin, "hub_admin_card", ADMIN_HOOK_TIMEOUT, {"hub": hub})
            if not outcome.ok:
                results.append(AdminContribution(plugin, None, outcome.error))
            elif outcome.value is None or isinstance(outcome.value, AdminCard):
                results.append(AdminContribution(plugin, outcome.value))
            else:
                error = f"hub_admin_card returned {type(outcome.value).__name__}, not AdminCard"
                results.append(AdminContribution(plugin, None, error))
        return results

    async def admin_event_sections(
        self, event_id: str, hub: Any
    ) -> list[AdminContribution[tuple[AdminSection, ...]]]:
        """Every enabled plugin's ``hub_admin_event_sections`` for one event, each isolated."""
        results: list[AdminContribution[tuple[AdminSection, ...]]] = []
        kwargs = {"event_id": event_id, "hub": hub}
        for plugin in self.registry.implementers("hub_admin_event_sections"):
            outcome = await self._call(
                plugin, "hub_admin_event_sections", ADMIN_HOOK_TIMEOUT, kwargs
            )
            value = outcome.value
            if not outcome.ok:
                results.append(AdminContribution(plugin, None, outcome.error))
            elif value is None:
                results.append(AdminContribution(plugin, ()))
            elif isinstance(value, Sequence) and all(isinstance(s, AdminSection) for s in value):
                results.append(AdminContribution(plugin, tuple(value)))
            else:
                error = "hub_admin_event_sections returned something other than AdminSections"
                results.append(AdminContribution(plugin, None, error))
        return results
