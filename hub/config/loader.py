"""Loading hub.toml into :class:`HubConfig`.

Secrets are never written in the file: any value may be ``{ env = "NAME" }``, resolved at
start. Every resolved value is handed to the log redactor, so a secret that reaches a log
line by accident is masked. Each mistake becomes one :class:`ConfigError` naming the file,
the section or plugin, and the field.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import msgspec

from hub.config.schema import HubConfig
from hub.errors import ConfigError
from hub.observability.redaction import register_secret

DEFAULT_PATH = "hub.toml"
ENV_PATH = "HUB_CONFIG"
ENV_DATABASE_URL = "HUB_DATABASE_URL"


def resolve_config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    return Path(explicit or os.environ.get(ENV_PATH) or DEFAULT_PATH)


def _is_env_ref(value: Any) -> bool:
    return isinstance(value, dict) and "env" in value and set(value) <= {"env", "default"}


def resolve_env_refs(value: Any, where: str, source: str) -> Any:
    """Replace ``{ env = "X" }`` tables (recursively) with the variable's value."""
    if _is_env_ref(value):
        name = value["env"]
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{source}: {where}: 'env' must name an environment variable")
        if name in os.environ:
            resolved = os.environ[name]
        elif "default" in value:
            return value["default"]
        else:
            raise ConfigError(f"{source}: {where}: environment variable {name} is not set")
        register_secret(resolved)
        return resolved
    if isinstance(value, dict):
        return {k: resolve_env_refs(v, f"{where}.{k}", source) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_env_refs(v, f"{where}[{i}]", source) for i, v in enumerate(value)]
    return value


def convert_section(raw: Any, schema: type[msgspec.Struct], where: str, source: str) -> Any:
    """Validate one table with msgspec, turning its error into one that names the field."""
    try:
        return msgspec.convert(raw, schema, strict=True)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{source}: [{where}] {_field_message(exc)}") from None


def _field_message(exc: msgspec.ValidationError) -> str:
    text = str(exc)
    # msgspec says "... - at `$.field`"; turn the JSON path into a TOML key path.
    if " - at `$." in text:
        message, _, path = text.rpartition(" - at `$.")
        return f"field '{path.rstrip('`')}': {message}"
    return text


def load_config(path: str | os.PathLike[str] | None = None) -> HubConfig:
    """Read and validate hub.toml (plugin tables are validated later by their plugins)."""
    file = resolve_config_path(path)
    source = str(file)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{source}: file not found (set --config or HUB_CONFIG)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    return config_from_dict(raw, source)


def config_from_dict(raw: dict[str, Any], source: str = "<memory>") -> HubConfig:
    raw = dict(raw)
    plugins = dict(raw.pop("plugins", {}) or {})
    enabled = plugins.pop("enabled", [])
    plugin_tables = {}
    for name, table in plugins.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [plugins] unknown key '{name}' (expected a table)")
        plugin_tables[name] = table
    core = {k: resolve_env_refs(v, k, source) for k, v in raw.items()}
    core["plugins"] = {"enabled": enabled}
    core["source"] = source
    core["plugin_tables"] = plugin_tables
    try:
        config = msgspec.convert(core, HubConfig, strict=True)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{source}: {_field_message(exc)}") from None
    if url := os.environ.get(ENV_DATABASE_URL):
        config.database.url = url
    for name in plugin_tables:
        if name not in config.plugins.enabled:
            raise ConfigError(
                f"{source}: [plugins.{name}] configures a plugin that is not enabled "
                f"(add it to [plugins] enabled)"
            )
    return config
