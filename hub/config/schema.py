"""The typed shape of hub.toml; each key's default is documented in the README."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./hub.db"


class HubSection(Struct, kw_only=True, forbid_unknown_fields=True):
    default_video_provider: str | None = None
    public_url: str = "http://127.0.0.1:8000"


class DatabaseSection(Struct, kw_only=True, forbid_unknown_fields=True):
    url: str = DEFAULT_DATABASE_URL
    pool_size: Annotated[int, Meta(ge=1, le=200)] = 10
    # PostgreSQL: how often young tables are checked for statistics that fell behind
    # their growth (hub/storage/statistics.py); 0 leaves them to autovacuum alone.
    analyze_interval_seconds: Annotated[float, Meta(ge=0, le=3600)] = 2.0


class ApiSection(Struct, kw_only=True, forbid_unknown_fields=True):
    max_body_bytes: Annotated[int, Meta(ge=1024, le=64 * 1024 * 1024)] = 256 * 1024


class PipelineSection(Struct, kw_only=True, forbid_unknown_fields=True):
    run_workers: bool = True
    concurrency: Annotated[int, Meta(ge=1, le=1024)] = 64
    max_attempts: Annotated[int, Meta(ge=1, le=1000)] = 12
    backoff_base_seconds: Annotated[float, Meta(gt=0)] = 1.0
    backoff_max_seconds: Annotated[float, Meta(gt=0)] = 900.0
    hook_timeout_seconds: Annotated[float, Meta(gt=0)] = 60.0
    lease_seconds: Annotated[float, Meta(gt=0)] = 120.0
    poll_interval_seconds: Annotated[float, Meta(gt=0)] = 0.25

    def __post_init__(self) -> None:
        # A lease that can run out while its hook still runs hands the delivery to another
        # worker: the same hook would run twice at once.
        if self.lease_seconds <= self.hook_timeout_seconds:
            raise ValueError(
                f"lease_seconds ({self.lease_seconds:g}) must be greater than "
                f"hook_timeout_seconds ({self.hook_timeout_seconds:g}): a delivery's lease "
                f"must outlast its hook call"
            )


class LoggingSection(Struct, kw_only=True, forbid_unknown_fields=True):
    format: Literal["console", "json"] = "console"
    level: Literal["debug", "info", "warning", "error"] = "info"


class PluginsSection(Struct, kw_only=True, forbid_unknown_fields=True):
    enabled: list[str] = []


class HubConfig(Struct, kw_only=True, forbid_unknown_fields=True):
    """The whole of hub.toml; ``plugin_tables`` holds each ``[plugins.<name>]`` table raw,
    to be validated by that plugin's own Struct once the plugin is loaded."""

    hub: HubSection = msgspec.field(default_factory=HubSection)
    database: DatabaseSection = msgspec.field(default_factory=DatabaseSection)
    api: ApiSection = msgspec.field(default_factory=ApiSection)
    pipeline: PipelineSection = msgspec.field(default_factory=PipelineSection)
    logging: LoggingSection = msgspec.field(default_factory=LoggingSection)
    plugins: PluginsSection = msgspec.field(default_factory=PluginsSection)
    plugin_tables: dict[str, dict[str, Any]] = {}
    source: str = "<defaults>"
