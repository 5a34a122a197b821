"""Tests serve apps with the same helper the demo uses."""

from hub.api.serving import serve_app

__all__ = ["serve_app"]
