"""The admin hooks, called through the typed facade of a running hub."""

from __future__ import annotations

from collections.abc import Callable

from hub.admin.panels import AdminCard, AdminSection
from hub.config.schema import HubConfig
from hub.runtime import open_hub
from tests.admin.panelplugin import NAME, PanelPlugin
from tests.support.testvideo import TestVideoProvider


async def test_hook_hub_admin_card(config_factory: Callable[..., HubConfig]) -> None:
    plugin = PanelPlugin()
    config = config_factory(enabled=["testvideo", NAME])
    extra = {"testvideo": TestVideoProvider(), NAME: plugin}
    async with open_hub(config, extra_plugins=extra, run_workers=False) as runtime:
        cards = await runtime.facade.admin_cards(runtime.hub)
    assert [c.plugin for c in cards] == [NAME]
    card = cards[0].value
    assert isinstance(card, AdminCard) and cards[0].error is None
    assert card.status == "warning" and card.actions[0].url == "/admin/plugins/panels/ping"


async def test_hook_hub_admin_event_sections(config_factory: Callable[..., HubConfig]) -> None:
    plugin = PanelPlugin()
    config = config_factory(enabled=["testvideo", NAME])
    extra = {"testvideo": TestVideoProvider(), NAME: plugin}
    async with open_hub(config, extra_plugins=extra, run_workers=False) as runtime:
        contributions = await runtime.facade.admin_event_sections("ev-9", runtime.hub)
    assert plugin.event_ids == ["ev-9"]
    [contribution] = contributions
    assert contribution.error is None and contribution.value is not None
    [section] = contribution.value
    assert isinstance(section, AdminSection) and section.title == "Panelists"


async def test_failing_admin_hooks_become_errors_not_exceptions(
    config_factory: Callable[..., HubConfig],
) -> None:
    config = config_factory(enabled=["testvideo", NAME])
    extra = {"testvideo": TestVideoProvider(), NAME: PanelPlugin(fail=True)}
    async with open_hub(config, extra_plugins=extra, run_workers=False) as runtime:
        [card] = await runtime.facade.admin_cards(runtime.hub)
        [sections] = await runtime.facade.admin_event_sections("ev-1", runtime.hub)
    assert card.value is None and "card exploded" in (card.error or "")
    assert sections.value is None and "sections exploded" in (sections.error or "")
