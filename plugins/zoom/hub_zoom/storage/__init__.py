"""The Zoom plugin's own tables, migrations and the encrypted token store."""
