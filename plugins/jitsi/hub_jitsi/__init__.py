"""A Jitsi Meet provider for hub: the worked example in docs/writing-a-provider-plugin.md."""
