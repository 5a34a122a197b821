"""Errors a plugin raises to steer the delivery pipeline, and errors the host raises itself.

A hook implementation that raises :class:`RetryLater` is retried after the given delay (a rate
limit, a provider that is not connected yet); :class:`PermanentFailure` sends the delivery
straight to the dead letters with its reason kept (bad data a retry cannot fix). Any other
exception is treated as transient and retried with exponential backoff.
"""

from __future__ import annotations


class HubError(Exception):
    """Base class of every error the hub raises on purpose."""


class RetryLater(HubError):
    """Retry this delivery after ``after_seconds`` (None: the pipeline's backoff decides)."""

    def __init__(self, reason: str, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after_seconds = after_seconds


class PermanentFailure(HubError):
    """This delivery can never succeed; ``code`` is the provider's error code if any."""

    def __init__(self, reason: str, code: str | int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class ConfigError(HubError):
    """hub.toml or the environment is wrong; the message names file, plugin and field."""


class PluginLoadError(HubError):
    """A plugin named in hub.toml is not installed or failed to import."""


class UnknownProviderError(HubError):
    """An event asked for a video provider that is not installed and enabled."""

    def __init__(self, name: str, available: list[str]) -> None:
        choices = ", ".join(sorted(available)) or "(none enabled)"
        super().__init__(f"Unknown video provider {name!r}. Choose one of: {choices}")
        self.name = name
        self.available = available
