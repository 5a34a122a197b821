"""hub.toml: typed settings, environment references and the errors that stop start-up."""

from hub.config.loader import load_config, resolve_config_path
from hub.config.schema import HubConfig

__all__ = ["HubConfig", "load_config", "resolve_config_path"]
