"""The hub's admin web page (``/admin``): sign-in, integrations, events, deliveries, analytics.

Server-rendered with Jinja2; plugins contribute through the ``hub_admin_card`` and
``hub_admin_event_sections`` hooks (data from :mod:`hub.admin.panels`) and their own routes
under ``/admin/plugins/<plugin>/`` guarded by :func:`hub.admin.auth.require_admin`.
"""
