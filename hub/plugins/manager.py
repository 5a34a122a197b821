"""Discovers plugins, enables the ones hub.toml names and validates their settings.

Plugins are found through the entry-point group ``hub.plugins`` (the entry-point name is
the plugin's name) or registered directly in tests. Only enabled plugins are registered with
pluggy, so a disabled plugin's hooks never run. Every failure here is a start-up failure
with one message: a hub that half-starts is worse than one that refuses to.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import msgspec
import pluggy

from hub import hookspecs
from hub.config.loader import convert_section, resolve_env_refs
from hub.config.schema import HubConfig
from hub.errors import ConfigError, PluginLoadError, UnknownProviderError
from hub.models import MigrationSource, VideoProvider

ENTRY_POINT_GROUP = "hub.plugins"


@dataclass(frozen=True)
class InstalledPlugin:
    """A plugin that is installed (found by entry point or given directly)."""

    name: str
    module: Any
    version: str
    distribution: str | None = None


@dataclass
class PluginRegistry:
    """The enabled plugins, their validated settings and the video providers they offer."""

    pm: pluggy.PluginManager
    config: HubConfig
    installed: dict[str, InstalledPlugin]
    enabled: list[str]
    settings: dict[str, msgspec.Struct | None] = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)  # provider name -> plugin name
    provider_records: dict[str, VideoProvider] = field(default_factory=dict)

    def implements(self, plugin: str, hook: str) -> bool:
        caller = getattr(self.pm.hook, hook)
        return any(self.pm.get_name(impl.plugin) == plugin for impl in caller.get_hookimpls())

    def implementers(self, hook: str) -> list[str]:
        caller = getattr(self.pm.hook, hook)
        names = [self.pm.get_name(impl.plugin) for impl in caller.get_hookimpls()]
        return [n for n in self.enabled if n in names]

    def hooks_of(self, plugin: str) -> list[str]:
        module = self.pm.get_plugin(plugin)
        if module is None:
            module = self.installed[plugin].module
        return sorted(
            name
            for name in dir(hookspecs)
            if name.startswith(("on_", "hub_")) and is_hookimpl(getattr(module, name, None))
        )

    def is_provider_plugin(self, plugin: str) -> bool:
        return plugin in self.providers.values()

    def provider_plugin(self, provider: str | None) -> str:
        """The plugin serving ``provider`` (the configured default when None)."""
        name = provider or self.config.hub.default_video_provider
        if not name:
            raise UnknownProviderError("(none given and no default)", list(self.providers))
        try:
            return self.providers[name]
        except KeyError:
            raise UnknownProviderError(name, list(self.providers)) from None

    def migration_sources(self) -> list[MigrationSource]:
        sources = []
        for name in self.enabled:
            impl = getattr(self.pm.get_plugin(name), "hub_migrations", None)
            if is_hookimpl(impl) and (source := impl()) is not None:
                sources.append(source)
        return sources


def is_hookimpl(obj: Any) -> bool:
    return callable(obj) and hasattr(obj, f"{hookspecs.PROJECT_NAME}_impl")


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm


def discover_installed() -> dict[str, InstalledPlugin]:
    """Every plugin advertised under the ``hub.plugins`` entry-point group.

    Importing happens lazily in :func:`build_registry`; here only the metadata is read, so a
    broken plugin that nobody enabled cannot stop the hub.
    """
    found: dict[str, InstalledPlugin] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        found[ep.name] = InstalledPlugin(
            name=ep.name,
            module=ep,
            version=dist.version if dist else "unknown",
            distribution=dist.name if dist else None,
        )
    return found


def load_plugin(plugin: InstalledPlugin) -> InstalledPlugin:
    module = plugin.module
    if isinstance(module, importlib.metadata.EntryPoint):
        try:
            module = module.load()
        except Exception as exc:
            raise PluginLoadError(
                f'Error importing plugin "{plugin.name}": {type(exc).__name__}: {exc}'
            ) from exc
    return InstalledPlugin(plugin.name, module, plugin.version, plugin.distribution)


def build_registry(
    config: HubConfig,
    extra_plugins: Mapping[str, ModuleType | Any] | None = None,
    installed: Mapping[str, InstalledPlugin] | None = None,
) -> PluginRegistry:
    """Register the enabled plugins and validate their settings and provider records.

    ``extra_plugins`` are plugin objects given directly (tests, embedding); they are
    installed under the given names and still have to be enabled in the config.
    """
    available = dict(installed if installed is not None else discover_installed())
    for name, obj in (extra_plugins or {}).items():
        available[name] = InstalledPlugin(name, obj, getattr(obj, "__version__", "local"))
    source = config.source
    unknown = [n for n in config.plugins.enabled if n not in available]
    if unknown:
        choices = ", ".join(sorted(available)) or "(none installed)"
        raise ConfigError(
            f"{source}: [plugins] enabled names unknown plugin(s) {', '.join(unknown)}. "
            f"Choose from the installed ones: {choices}"
        )
    pm = new_plugin_manager()
    enabled: list[str] = []
    for name in dict.fromkeys(config.plugins.enabled):
        plugin = load_plugin(available[name])
        available[name] = plugin
        try:
            pm.register(plugin.module, name=name)
        except ValueError as exc:
            raise PluginLoadError(f'Plugin "{name}" could not be registered: {exc}') from exc
        enabled.append(name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginLoadError(f'Plugin "{exc.plugin}" implements an unknown hook: {exc}') from exc
    registry = PluginRegistry(pm=pm, config=config, installed=available, enabled=enabled)
    _validate_settings(registry)
    _collect_providers(registry)
    return registry


def _call_one(pm: pluggy.PluginManager, plugin: str, hook: str, **kwargs: Any) -> Any:
    impl = getattr(pm.get_plugin(plugin), hook, None)
    return impl(**kwargs) if is_hookimpl(impl) else None


def _validate_settings(registry: PluginRegistry) -> None:
    source = registry.config.source
    for name in registry.enabled:
        schema = _call_one(registry.pm, name, "hub_config_schema")
        table = registry.config.plugin_tables.get(name, {})
        if schema is None:
            if table:
                raise ConfigError(f"{source}: [plugins.{name}] this plugin takes no settings")
            registry.settings[name] = None
            continue
        resolved = resolve_env_refs(table, f"plugins.{name}", source)
        registry.settings[name] = convert_section(resolved, schema, f"plugins.{name}", source)


def _collect_providers(registry: PluginRegistry) -> None:
    for name in registry.enabled:
        records: Iterable[VideoProvider] = _call_one(registry.pm, name, "hub_video_providers") or ()
        for record in records:
            if record.name in registry.providers:
                other = registry.providers[record.name]
                raise ConfigError(
                    f"{registry.config.source}: video provider {record.name!r} is offered by "
                    f"both plugins {other!r} and {name!r}; enable only one of them"
                )
            registry.providers[record.name] = name
            registry.provider_records[record.name] = record
    default = registry.config.hub.default_video_provider
    if default is not None and default not in registry.providers:
        raise ConfigError(
            f"{registry.config.source}: [hub] default_video_provider: "
            + str(UnknownProviderError(default, list(registry.providers)))
        )


def find_provider_plugin(
    provider: str | None, *, plugin_name: str | None = None
) -> tuple[str, Any]:
    """The installed plugin offering ``provider`` (or, with ``plugin_name``, check that
    this plugin offers a provider at all), loaded but not registered: used before a
    configuration exists, e.g. to ask a provider for its sandbox."""
    installed = discover_installed()
    candidates = [plugin_name] if plugin_name else sorted(installed)
    offered: list[str] = []
    for name in candidates:
        if name not in installed:
            continue
        try:
            module = load_plugin(installed[name]).module
        except PluginLoadError:
            continue
        impl = getattr(module, "hub_video_providers", None)
        for record in (impl() if is_hookimpl(impl) else None) or ():
            offered.append(record.name)
            if plugin_name or record.name == provider:
                return name, module
    raise ConfigError(str(UnknownProviderError(provider or plugin_name or "?", offered)))
