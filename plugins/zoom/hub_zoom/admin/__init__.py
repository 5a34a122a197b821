"""The Zoom plugin's part of the admin page: its Integrations card, its sections on an
event's page, and the routes behind their buttons (``/admin/plugins/zoom/...``)."""
