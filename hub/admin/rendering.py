"""Jinja2 set-up for the admin templates and the one helper every page renders through."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from hub import __version__
from hub.admin.flash import take_flashes
from hub.admin.panels import CARD_STATUSES

NAV = (
    ("integrations", "Integrations", "/admin/integrations"),
    ("events", "Events", "/admin/events"),
    ("deliveries", "Deliveries", "/admin/deliveries"),
    ("analytics", "Analytics", "/admin/analytics"),
)


def _when(value: Any) -> str:
    """Timestamps as ``YYYY-MM-DD HH:MM UTC`` whatever the stored form."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def _minutes(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _status(value: str) -> str:
    return value if value in CARD_STATUSES else "off"


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    env = Environment(
        loader=PackageLoader("hub.admin", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=_when, percent=_percent, minutes=_minutes, card_status=_status)
    env.globals.update(nav=NAV, hub_version=__version__)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    active: str = "",
    title: str = "",
    fragment: bool = False,
    **context: Any,
) -> Template:
    """Render ``template`` with what the layout needs (flash messages, the active nav
    entry, the path forms return to). A ``fragment`` (polled by htmx) leaves the flash
    messages for the next whole page."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "flashes": [] if fragment else take_flashes(request),
            "active": active,
            "title": title,
            "here": path,
            "signed_in": context.pop("signed_in", True),
            **context,
        },
    )
