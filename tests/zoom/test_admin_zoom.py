"""The Zoom plugin on the admin page, over real HTTP against the emulator (no browser).

The card (connection, scopes, webhook URL and receipts), the buttons behind it (Test
connection, Connect through the OAuth flow, Disconnect) and an event's Zoom sections
(registrant states with Resync and Reconcile, recordings with Share, Download and Delete,
a webinar's panelists). Every action is a signed-in form post with the CSRF field; each
is checked on the emulator (what Zoom now holds), not only on the message shown.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hub_zoom.admin import event_sections
from hub_zoom.admin.card import zoom_card
from hub_zoom.admin.event_sections import zoom_event_sections
from hub_zoom.settings import BUTTON_SCOPES, REQUIRED_SCOPES
from hub_zoom.storage import tables as zoom_tables

from hub.admin.panels import AdminCard, AdminSection
from tests.conftest import event_body
from tests.zoom.admin_session import ADMIN_PASSWORD, admin_session, flashes_of
from tests.zoom.conftest import (
    WEBHOOK_SECRET,
    ZoomHub,
    control,
    emulator_stats,
    post_webhook,
    publish_with_tickets,
    settle,
    user_oauth_overrides,
    zoom_meetings,
    zoom_registrants,
)

INTEGRATIONS = "/admin/integrations"


@pytest.fixture(autouse=True)
def _admin_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ADMIN_PASSWORD", ADMIN_PASSWORD)


def facts(section: AdminSection) -> dict[str, str]:
    return {f.label: f.value for f in section.facts}


def section(sections: Any, title: str) -> AdminSection:
    matches = [s for s in sections if s.title == title]
    assert matches, f"no section {title!r} in {[s.title for s in sections]}"
    return matches[0]


async def card(zh: ZoomHub) -> AdminCard:
    return await zoom_card(zh.runtime.hub)


async def test_card_connection_scopes_webhook_receipts_and_test_button(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    needed = [*REQUIRED_SCOPES, "phone:read:call_log"]  # one the emulator's app lacks
    async with zoom_hub_factory(zoom_overrides={"required_scopes": needed}) as zh:
        async with httpx.AsyncClient(base_url=zh.url) as anonymous:
            refused = await anonymous.post("/admin/plugins/zoom/test-connection")
        assert refused.status_code in (401, 403)  # no session, and no CSRF cookie either
        async with admin_session(zh.runtime) as admin:
            await admin.page(INTEGRATIONS)
            no_token = await admin.client.post(
                "/admin/plugins/zoom/test-connection", data={"next": INTEGRATIONS}
            )
            assert no_token.status_code == 403
            before = (await emulator_stats(zh))["calls"].get("GET /v2/users/{userId}", 0)

            shown = await admin.post("/admin/plugins/zoom/test-connection", back=INTEGRATIONS)
            assert "connected as Account Owner (owner@example.com)" in shown
            assert "missing scopes: phone:read:call_log" in shown
            assert (await emulator_stats(zh))["calls"]["GET /v2/users/{userId}"] == before + 1

            page = await admin.page(INTEGRATIONS)
            assert 'data-plugin="zoom"' in page
            assert f"{zh.runtime.config.hub.public_url}/webhooks/zoom" in page

        zoom = await card(zh)
        connection = facts(section(zoom.sections, "Connection"))
        assert zoom.status == "warning"  # a required scope is missing
        assert connection["User"] == "Account Owner (owner@example.com)"
        assert connection["Auth type"] == "Server-to-Server OAuth app"
        assert connection["Account"] == zh.zoom.config.account_id
        assert "meeting:write:admin" in connection["Granted scopes"]
        assert connection["Missing scopes"] == "phone:read:call_log"
        assert [a.label for a in zoom.actions] == ["Test connection"]  # nothing to connect

        hooks = facts(section(zoom.sections, "Webhooks"))
        assert hooks["Webhook URL"] == f"{zh.runtime.config.hub.public_url}/webhooks/zoom"
        assert hooks["Last URL validation"] == "never"
        assert hooks["Last delivery received"] == "never"

        await control(zh, "/webhooks/url-validation", {})
        body = json.dumps(
            {
                "event": "meeting.started",
                "event_ts": 1_700_000_000_000,
                "payload": {
                    "account_id": zh.zoom.config.account_id,
                    "object": {"id": "999000111", "uuid": "u-adm", "topic": "Not ours"},
                },
            }
        ).encode()
        assert (await post_webhook(zh, body)).status_code == 200
        assert (await post_webhook(zh, body, secret="not-" + WEBHOOK_SECRET)).status_code == 401
        hooks = facts(section((await card(zh)).sections, "Webhooks"))
        assert hooks["Last URL validation"].endswith("UTC")
        assert hooks["Last delivery received"].endswith("meeting.started (stored)")
        assert "HTTP 401, invalid signature" in hooks["Last refused delivery"]


async def test_card_names_recording_buttons_whose_scope_is_not_granted(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    """A granular app granted only the required scopes works, but Share and Delete would be
    refused by Zoom: the card says so without turning the connection into a warning."""
    async with zoom_hub_factory() as zh:
        async with admin_session(zh.runtime) as admin:  # a token, and its granted scopes
            await admin.page(INTEGRATIONS)
            await admin.post("/admin/plugins/zoom/test-connection", back=INTEGRATIONS)
        assert "Recording buttons without their scope" not in facts(
            section((await card(zh)).sections, "Connection")
        )  # the emulator's classic recording:write:admin covers both
        granted = [*REQUIRED_SCOPES, "cloud_recording:delete:recording_file"]
        async with zh.runtime.db.transaction() as conn:
            await conn.execute(zoom_tables.connections.update().values(scopes=" ".join(granted)))
        zoom = await card(zh)
        connection = facts(section(zoom.sections, "Connection"))
        assert connection["Status"] == "connected" and connection["Missing scopes"] == "none"
        (share_scope,) = (s for s, label in BUTTON_SCOPES.items() if label == "Share")
        assert connection["Recording buttons without their scope"] == f"Share ({share_scope})"


async def test_connect_through_oauth_from_the_admin_page_and_disconnect(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory(zoom_overrides=user_oauth_overrides()) as zh:
        zoom = await card(zh)
        assert zoom.status == "warning" and zoom.summary.startswith("not connected")
        assert [a.label for a in zoom.actions] == ["Connect", "Test connection"]

        async with admin_session(zh.runtime) as admin:
            await admin.page(INTEGRATIONS)
            start = await admin.client.post(
                "/admin/plugins/zoom/connect",
                data={"_csrf_token": admin.token, "next": INTEGRATIONS},
            )
            assert start.status_code == 303
            assert start.headers["location"].startswith(
                f"{zh.zoom.oauth_base_url}/oauth/authorize?"
            )
            async with httpx.AsyncClient() as to_zoom:  # the browser on Zoom's consent page
                granted = await to_zoom.get(start.headers["location"])
            assert granted.status_code == 302, granted.text
            query = urlsplit(granted.headers["location"]).query  # to the registered redirect URI
            forwarded = await admin.client.get(f"/zoom/oauth/callback?{query}")
            assert forwarded.status_code == 303
            assert forwarded.headers["location"] == f"/admin/plugins/zoom/oauth/callback?{query}"

            async with httpx.AsyncClient(base_url=zh.url) as stranger:  # not signed in
                bounced = await stranger.get(forwarded.headers["location"])
            assert bounced.status_code == 303
            assert bounced.headers["location"].startswith("/admin/login")

            done = await admin.client.get(forwarded.headers["location"])
            assert (done.status_code, done.headers["location"]) == (303, INTEGRATIONS)
            shown = flashes_of(await admin.page(INTEGRATIONS))
            assert "Connected to Zoom as Account Owner (owner@example.com)" in shown

            zoom = await card(zh)
            assert zoom.status == "ok"
            assert zoom.summary == "Connected as Account Owner (owner@example.com)"
            assert [a.label for a in zoom.actions] == ["Connect", "Disconnect", "Test connection"]

            replay = await admin.client.get(f"/admin/plugins/zoom/oauth/callback?{query}")
            assert replay.headers["location"] == INTEGRATIONS
            assert "unknown, reused or expired state" in flashes_of(await admin.page(INTEGRATIONS))

            shown = await admin.post("/admin/plugins/zoom/disconnect", back=INTEGRATIONS)
            assert "Disconnected from Zoom." in shown
        assert (await emulator_stats(zh))["revocations"] == 1
        zoom = await card(zh)
        assert zoom.summary.startswith("not connected")
        assert [a.label for a in zoom.actions] == ["Connect", "Test connection"]


async def test_registrant_states_resync_and_reconcile(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory() as zh:
        meeting_id, _ = await publish_with_tickets(zh, "ev-adm", 2, format="meeting")
        hub = zh.runtime.hub
        assert await zoom_event_sections(hub, "no-such-event") is None
        sync = section(await zoom_event_sections(hub, "ev-adm"), "Zoom sync")
        assert facts(sync)["Zoom meeting"] == f"{meeting_id}: active"
        assert facts(sync)["Zoom registrants"] == "2: 2 registered"
        assert sync.table is not None
        assert {(r[0], r[3]) for r in sync.table.rows} == {
            ("t-0", "registered"),
            ("t-1", "registered"),
        }
        assert [a.label for a in sync.actions] == ["Resync", "Reconcile"]

        page = "/admin/events/ev-adm"
        async with admin_session(zh.runtime) as admin:
            await control(
                zh,
                f"/meetings/{meeting_id}/registrants",
                {"registrants": [{"email": "stranger@example.com", "first_name": "S"}]},
            )
            await settle(zh)
            shown = await admin.post(sync.actions[1].url, back=page)
            assert "Reconciled: 0 added, 1 cancelled, 2 unchanged." in shown
            approved = await zoom_registrants(zh, meeting_id, "approved")
            assert sorted(r["email"] for r in approved) == ["t-0@example.com", "t-1@example.com"]

            await control(zh, f"/meetings/{meeting_id}/delete")
            await settle(zh)
            shown = await admin.post(sync.actions[0].url, back=page)
            assert "recreated" in shown and "2 registered" in shown
            live = [m for m in await zoom_meetings(zh) if str(m["id"]) != meeting_id]
            assert len(live) == 1
            sync = section(await zoom_event_sections(hub, "ev-adm"), "Zoom sync")
            assert facts(sync)["Zoom meeting"] == f"{live[0]['id']}: active"
            assert len(await zoom_registrants(zh, str(live[0]["id"]), "approved")) == 2

            unknown = await admin.post(
                "/admin/plugins/zoom/events/nope/reconcile", back="/admin/events"
            )
            assert "unknown event 'nope'" in unknown


async def held_and_recorded(zh: ZoomHub, event_id: str) -> str:
    meeting_id, reg = await publish_with_tickets(zh, event_id, 1, format="meeting")
    steps = [
        {"action": "start"},
        {"action": "join", "registrant_id": reg["t-0"], "offset_seconds": 60},
        {"action": "end", "offset_seconds": 1800},
        {"action": "recording"},
    ]
    await control(
        zh, "/simulate", {"meeting_id": meeting_id, "steps": steps, "wait_for_webhooks": True}
    )
    await settle(zh)
    return meeting_id


async def test_recordings_share_download_and_delete(
    zoom_hub_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with zoom_hub_factory() as zh:
        meeting_id = await held_and_recorded(zh, "ev-rec")
        recording = zh.zoom.state.meetings[int(meeting_id)].instances[-1].recording
        assert recording is not None
        files = {f.file_type: f for f in recording.files}
        listed = section(await zoom_event_sections(zh.runtime.hub, "ev-rec"), "Recordings")
        assert listed.table is not None
        assert {r[0] for r in listed.table.rows} == {f.id for f in recording.files}
        assert facts(listed)[f"Sharing of meeting {meeting_id}"] == "none"
        actions = {
            row[0]: {a.label: a for a in acts}
            for row, acts in zip(listed.table.rows, listed.table.row_actions, strict=True)
        }
        mp4 = files["MP4"]
        page = "/admin/events/ev-rec"
        async with admin_session(zh.runtime) as admin:
            shown = await admin.post(actions[mp4.id]["Share"].url, back=page)
            assert f"/rec/share/{recording.share_token}" in shown
            assert recording.settings["share_recording"] == "publicly"
            listed = section(await zoom_event_sections(zh.runtime.hub, "ev-rec"), "Recordings")
            assert facts(listed)[f"Sharing of meeting {meeting_id}"] == "publicly"

            download = actions[mp4.id]["Download"]
            assert download.method == "get"
            got = await admin.client.get(download.url)
            assert got.status_code == 200
            assert got.headers["content-disposition"].startswith("attachment;")
            assert len(got.content) == mp4.file_size == zh.zoom.config.recording_video_size
            direct = await zh.api.get(
                f"{zh.zoom.base_url}/rec/download/{mp4.download_key}",
                headers={
                    "Authorization": f"Bearer {await zh.runtime.hub.state['zoom'].primary.tokens.get_access_token()}"
                },
                follow_redirects=True,
            )
            assert got.content == direct.content

            shown = await admin.post(actions[mp4.id]["Delete"].url, back=page)
            assert f"Recording file {mp4.id} moved to Zoom's trash; 1 file(s) left." in shown
            assert mp4.deleted_time is not None
            listed = section(await zoom_event_sections(zh.runtime.hub, "ev-rec"), "Recordings")
            assert listed.table is not None
            assert [r[0] for r in listed.table.rows] == [files["M4A"].id]
            again = await admin.client.get(download.url)
            assert (again.status_code, again.headers["location"]) == (303, page)
            assert "No recording file" in flashes_of(await admin.page(page))

        # Zoom answering slowly costs the page a bounded wait, not the whole section.
        monkeypatch.setattr(event_sections, "ZOOM_LOOKUP_SECONDS", 0.3)
        slow = {"rules": [{"route": "GET */recordings/settings", "latency_ms": 3000}]}
        await control(zh, "/faults", slow)
        started = time.monotonic()
        listed = section(await zoom_event_sections(zh.runtime.hub, "ev-rec"), "Recordings")
        assert time.monotonic() - started < 2.5
        assert "did not answer within 0.3 s" in facts(listed)[f"Sharing of meeting {meeting_id}"]
        assert listed.table is not None and len(listed.table.rows) == 1


async def test_webinar_panelists_added_and_removed(zoom_hub_factory: Callable[..., Any]) -> None:
    async with zoom_hub_factory() as zh:
        body = event_body("web-adm", format="webinar", capacity=5000)
        assert (await zh.api.post("/api/v1/events/published", json=body)).status_code == 202
        await settle(zh)
        panel = section(await zoom_event_sections(zh.runtime.hub, "web-adm"), "Panelists")
        assert panel.note == "No panelists yet."
        (add,) = panel.actions
        assert [f.name for f in add.fields] == ["name", "email"]
        page = "/admin/events/web-adm"
        (webinar,) = [m for m in await zoom_meetings(zh)]
        on_zoom = zh.zoom.state.meetings[int(webinar["id"])]
        async with admin_session(zh.runtime) as admin:
            bad = await admin.post(add.url, {"name": "Ana", "email": "not-an-email"}, back=page)
            assert "panelist not added" in bad and "email" in bad
            assert not on_zoom.panelists

            shown = await admin.post(
                add.url, {"name": "Ana", "email": "ana@example.com"}, back=page
            )
            assert f"Panelist ana@example.com invited to webinar(s) {webinar['id']}." in shown
            assert [p.email for p in on_zoom.panelists.values()] == ["ana@example.com"]
            panel = section(await zoom_event_sections(zh.runtime.hub, "web-adm"), "Panelists")
            assert panel.table is not None and [r[:2] for r in panel.table.rows] == [
                ("Ana", "ana@example.com")
            ]
            (remove,) = panel.table.row_actions[0]
            shown = await admin.post(remove.url, back=page)
            assert "Panelist ana@example.com removed." in shown
            assert not on_zoom.panelists


async def test_latest_receipt_is_kept_when_deliveries_come_in_a_burst(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    from hub_zoom.webhooks import receipts

    async with zoom_hub_factory() as zh:
        for event in ("meeting.started", "meeting.ended"):
            body = json.dumps(
                {
                    "event": event,
                    "event_ts": 1_700_000_000_000,
                    "payload": {
                        "account_id": zh.zoom.config.account_id,
                        "object": {"id": "999000222", "uuid": f"u-{event}"},
                    },
                }
            ).encode()
            assert (await post_webhook(zh, body)).status_code == 200
        first = (await receipts.latest(zh.runtime.hub))[receipts.DELIVERY]
        assert first.event_type == "meeting.started"  # the burst's first write, at once
        await asyncio.sleep(receipts.MIN_INTERVAL_SECONDS + 0.3)
        last = (await receipts.latest(zh.runtime.hub))[receipts.DELIVERY]
        assert last.event_type == "meeting.ended"  # the trailing write brings the latest
        assert last.received_at >= first.received_at
