"""The Zoom card on the Integrations page: connections, webhook set-up, actions.

Read from the plugin's own tables only (the page is viewed often and must not spend Zoom
quota or wait on Zoom): the connection rows the token store keeps current, and the latest
webhook receipts. "Test connection" is the button that asks Zoom.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.admin.panels import AdminAction, AdminCard, AdminFact, AdminSection
from hub.context import HubContext
from hub_zoom.admin.text import BASE, when
from hub_zoom.lifecycle import scopes
from hub_zoom.lifecycle.errors import NEEDS_REAUTHORIZATION
from hub_zoom.service import PLUGIN, ZoomService
from hub_zoom.settings import BUTTON_SCOPES
from hub_zoom.storage import tables
from hub_zoom.webhooks import receipts

WEBHOOK_PATH = "/webhooks/zoom"
AUTH_LABELS = {
    "server_to_server": "Server-to-Server OAuth app",
    "authorization_code": "User-managed OAuth app",
}
_RANK = {"ok": 0, "warning": 1, "error": 2}


def webhook_url(hub: HubContext) -> str:
    """What to paste as the event notification endpoint URL in the Zoom app."""
    return hub.config.hub.public_url.rstrip("/") + WEBHOOK_PATH


async def _rows(hub: HubContext) -> dict[str, Any]:
    c = tables.connections
    async with hub.db.connect() as conn:
        return {row.id: row for row in (await conn.execute(select(c))).all()}


def _connection_state(svc: ZoomService, row: Any) -> tuple[str, str]:
    """(card status, text) of one connection from its stored row."""
    if row is None or not row.token_sealed:
        if svc.settings.auth == "authorization_code":
            return "warning", "not connected: press Connect to authorize the Zoom app"
        return "warning", "no token yet: press Test connection to check the credentials"
    if row.status == NEEDS_REAUTHORIZATION:
        return "error", f"needs re-authorization: {row.last_error or 'token rejected'}"
    if row.status == "error":
        return "error", f"error: {row.last_error or 'unknown'}"
    return "ok", "connected"


def _connection_section(
    svc: ZoomService, connection_id: str, row: Any, titled: bool
) -> tuple[str, AdminSection]:
    connection = svc.connection(connection_id)
    status, text = _connection_state(svc, row)
    granted = scopes.parse(row.scopes if row is not None else None)
    missing = scopes.missing(granted, svc.settings.required_scopes) if granted else []
    if status == "ok" and missing:
        status, text = "warning", f"connected, but {len(missing)} required scope(s) missing"
    user = "unknown"
    if row is not None and row.zoom_user_email:
        user = f"{row.zoom_user_name or row.zoom_user_id} ({row.zoom_user_email})"
    facts = [
        AdminFact("Status", text),
        AdminFact("Auth type", AUTH_LABELS.get(svc.settings.auth, svc.settings.auth)),
        AdminFact("Account", connection.account_id or (row.account_id if row else None) or "—"),
        AdminFact("User", user),
        AdminFact("Granted scopes", ", ".join(granted) if granted else "none recorded yet"),
        AdminFact(
            "Missing scopes",
            ", ".join(missing) if missing else ("none" if granted else "unknown until connected"),
        ),
    ]
    unbuttoned = scopes.missing(granted, BUTTON_SCOPES) if granted else []
    if unbuttoned:
        facts.append(
            AdminFact(
                "Recording buttons without their scope",
                ", ".join(f"{BUTTON_SCOPES[s]} ({s})" for s in unbuttoned),
            )
        )
    if row is not None and row.updated_at is not None:
        facts.append(AdminFact("Updated", when(row.updated_at)))
    title = f"Connection {connection_id}" if titled else "Connection"
    return status, AdminSection(title=title, facts=tuple(facts))


async def _webhook_section(hub: HubContext, svc: ZoomService) -> tuple[str, AdminSection]:
    latest = await receipts.latest(hub)
    validation = latest.get(receipts.URL_VALIDATION)
    delivery = latest.get(receipts.DELIVERY)
    refused = latest.get(receipts.REFUSED)
    facts = [
        AdminFact("Webhook URL", webhook_url(hub)),
        AdminFact("Secret token", "configured" if svc.webhook_secrets() else "not configured"),
        AdminFact("Last URL validation", when(validation.received_at) if validation else "never"),
        AdminFact(
            "Last delivery received",
            f"{when(delivery.received_at)}: {delivery.event_type} ({delivery.outcome})"
            if delivery
            else "never",
        ),
    ]
    if refused is not None:
        facts.append(
            AdminFact(
                "Last refused delivery",
                f"{when(refused.received_at)}: HTTP {refused.outcome}, {refused.detail or ''}",
            )
        )
    status = "ok" if svc.webhook_secrets() else "warning"
    note = (
        "Paste the webhook URL as the event notification endpoint of the Zoom app and "
        "press Validate there; Zoom signs deliveries with the app's secret token, which "
        "must equal webhook_secret_token in [plugins.zoom]."
    )
    return status, AdminSection(title="Webhooks", facts=tuple(facts), note=note)


def _actions(svc: ZoomService, rows: dict[str, Any]) -> tuple[AdminAction, ...]:
    actions = []
    if svc.settings.auth == "authorization_code":
        actions.append(AdminAction("Connect", f"{BASE}/connect"))
        row = rows.get(svc.primary_id)
        if row is not None and row.token_sealed:
            actions.append(
                AdminAction(
                    "Disconnect",
                    f"{BASE}/disconnect",
                    confirm="Revoke the hub's Zoom authorization? Syncing stops until "
                    "someone connects again.",
                )
            )
    actions.append(AdminAction("Test connection", f"{BASE}/test-connection"))
    return tuple(actions)


async def zoom_card(hub: HubContext) -> AdminCard:
    svc: ZoomService | None = hub.state.get(PLUGIN)
    if svc is None:
        return AdminCard(PLUGIN, "Zoom", "off", "the Zoom plugin has not started")
    rows = await _rows(hub)
    sections: list[AdminSection] = []
    statuses: list[str] = []
    for connection_id in svc.connections:
        status, section = _connection_section(
            svc, connection_id, rows.get(connection_id), titled=len(svc.connections) > 1
        )
        statuses.append(status)
        sections.append(section)
    webhook_status, webhook = await _webhook_section(hub, svc)
    sections.append(webhook)
    worst = max([*statuses, webhook_status], key=_RANK.__getitem__)
    primary = rows.get(svc.primary_id)
    if worst == "ok" and primary is not None and primary.zoom_user_email:
        summary = f"Connected as {primary.zoom_user_name} ({primary.zoom_user_email})"
    else:
        summary = sections[0].facts[0].value
        if len(svc.connections) > 1:
            summary = f"{len(svc.connections)} connections; check each below"
    return AdminCard(
        plugin=PLUGIN,
        title="Zoom",
        status=worst,
        summary=summary,
        sections=tuple(sections),
        actions=_actions(svc, rows),
    )
