"""The plugin host: discovery, enabling from hub.toml, provider choice and the hook facade."""
