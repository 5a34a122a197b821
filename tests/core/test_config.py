"""hub.toml errors stop start-up with one message naming file, plugin and field."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from hub.config.loader import config_from_dict, load_config
from hub.errors import ConfigError, PluginLoadError
from hub.plugins.manager import InstalledPlugin, build_registry
from tests.support.testvideo import TestVideoProvider


def registry_for(raw: dict, extra: dict | None = None, installed: dict | None = None):  # type: ignore[no-untyped-def]
    config = config_from_dict(raw, "hub.toml")
    return build_registry(config, extra, installed=installed or {})


def test_missing_file_names_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: file not found"):
        load_config(tmp_path / "nope.toml")


def test_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text("[hub\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_unknown_core_key_is_named() -> None:
    with pytest.raises(ConfigError, match=r"hub\.toml: .*colour"):
        config_from_dict({"hub": {"colour": "red"}}, "hub.toml")


def test_mistyped_core_field_is_named() -> None:
    with pytest.raises(ConfigError, match=r"hub\.toml: field 'pipeline.concurrency'"):
        config_from_dict({"pipeline": {"concurrency": "many"}}, "hub.toml")


def test_lease_shorter_than_the_hook_timeout_is_refused() -> None:
    with pytest.raises(
        ConfigError,
        match=r"hub\.toml: .*pipeline.*lease_seconds \(30\) must be greater than hook_timeout_seconds \(60\)",
    ):
        config_from_dict({"pipeline": {"lease_seconds": 30}}, "hub.toml")
    with pytest.raises(ConfigError, match=r"lease_seconds \(20\) must be greater"):
        config_from_dict({"pipeline": {"lease_seconds": 20, "hook_timeout_seconds": 20}})
    ok = config_from_dict({"pipeline": {"lease_seconds": 21, "hook_timeout_seconds": 20}})
    assert ok.pipeline.lease_seconds == 21


def test_a_negative_analyze_interval_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"field 'database.analyze_interval_seconds'"):
        config_from_dict({"database": {"analyze_interval_seconds": -1}}, "hub.toml")
    off = config_from_dict({"database": {"analyze_interval_seconds": 0}}, "hub.toml")
    assert off.database.analyze_interval_seconds == 0


def test_unknown_plugin_lists_installed() -> None:
    with pytest.raises(ConfigError) as err:
        registry_for(
            {"plugins": {"enabled": ["zoomz"]}},
            installed={"zoom": InstalledPlugin("zoom", None, "1")},
        )
    assert "unknown plugin(s) zoomz" in str(err.value)
    assert "zoom" in str(err.value)


def test_plugin_that_fails_to_import_is_named() -> None:
    ep = importlib.metadata.EntryPoint(
        name="broken", value="tests.support.broken_plugin", group="hub.plugins"
    )
    with pytest.raises(PluginLoadError, match='Error importing plugin "broken": ImportError'):
        registry_for(
            {"plugins": {"enabled": ["broken"]}},
            installed={"broken": InstalledPlugin("broken", ep, "1")},
        )


def test_plugin_field_mistyped_names_plugin_and_field() -> None:
    with pytest.raises(ConfigError, match=r"\[plugins.testvideo\] field 'fail_rate'"):
        registry_for(
            {"plugins": {"enabled": ["testvideo"], "testvideo": {"fail_rate": "lots"}}},
            {"testvideo": TestVideoProvider()},
        )


def test_plugin_unknown_field_is_named() -> None:
    with pytest.raises(ConfigError, match=r"\[plugins.testvideo\].*colour"):
        registry_for(
            {"plugins": {"enabled": ["testvideo"], "testvideo": {"colour": 1}}},
            {"testvideo": TestVideoProvider()},
        )


def test_unset_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_TEST_UNSET_SECRET", raising=False)
    with pytest.raises(
        ConfigError,
        match=r"plugins.testvideo.fail_rate: environment variable HUB_TEST_UNSET_SECRET",
    ):
        registry_for(
            {
                "plugins": {
                    "enabled": ["testvideo"],
                    "testvideo": {"fail_rate": {"env": "HUB_TEST_UNSET_SECRET"}},
                }
            },
            {"testvideo": TestVideoProvider()},
        )


def test_env_reference_is_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TEST_SEED", "42")
    registry = registry_for(
        {
            "plugins": {
                "enabled": ["testvideo"],
                "testvideo": {"permanent_for_email_domain": {"env": "HUB_TEST_SEED"}},
            }
        },
        {"testvideo": TestVideoProvider()},
    )
    assert registry.settings["testvideo"].permanent_for_email_domain == "42"


def test_settings_for_plugin_not_enabled() -> None:
    with pytest.raises(
        ConfigError, match=r"\[plugins.zoom\] configures a plugin that is not enabled"
    ):
        config_from_dict({"plugins": {"enabled": [], "zoom": {"plan": "pro"}}}, "hub.toml")


def test_unknown_default_provider_lists_choices() -> None:
    with pytest.raises(
        ConfigError, match=r"Unknown video provider 'zoom'. Choose one of: testvideo"
    ):
        registry_for(
            {"hub": {"default_video_provider": "zoom"}, "plugins": {"enabled": ["testvideo"]}},
            {"testvideo": TestVideoProvider()},
        )


def test_two_plugins_offering_one_provider_conflict() -> None:
    with pytest.raises(ConfigError, match="offered by both plugins 'testvideo' and 'other'"):
        registry_for(
            {"plugins": {"enabled": ["testvideo", "other"]}},
            {"testvideo": TestVideoProvider(), "other": TestVideoProvider()},
        )


def test_database_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "sqlite:///elsewhere.db")
    assert config_from_dict({}, "hub.toml").database.url == "sqlite:///elsewhere.db"


def test_repository_hub_toml_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(Path(__file__).parents[2] / "hub.toml")
    assert config.plugins.enabled
    assert config.database.url.startswith("sqlite")
