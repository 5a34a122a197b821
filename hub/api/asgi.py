"""ASGI entry for servers that import the app by name (uvicorn or granian with workers):
``uvicorn --factory hub.api.asgi:app_factory``; the config comes from HUB_CONFIG."""

from __future__ import annotations

from litestar import Litestar

from hub.api.app import create_app
from hub.runtime import build_runtime


def app_factory() -> Litestar:
    return create_app(build_runtime(), manage_runtime=True)
