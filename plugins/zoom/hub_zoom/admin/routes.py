"""The admin page's Zoom buttons: ``/admin/plugins/zoom/...``, signed-in only.

Each action reuses what the API and the CLI use (OAuth flow, connection probe, resync and
reconcile, recording deletion, panelists), then goes back to the page it came from with a
message (Post/Redirect/Get). A refusal is shown as an error message naming what was wrong;
nothing is changed by it. CSRF is checked by the core for every form under /admin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import quote

import httpx
import msgspec
from litestar import Request, Router, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Stream

from hub.admin.auth import require_admin
from hub.admin.flash import flash
from hub.admin.redirects import back, safe_next
from hub.api.problems import ApiProblem
from hub.context import HubContext
from hub_zoom import panelists
from hub_zoom.admin.text import BASE
from hub_zoom.api.errors import ZoomApiError
from hub_zoom.lifecycle.admin_routes import as_problems, check_provider
from hub_zoom.lifecycle.connection import CONNECTED, connection_status
from hub_zoom.lifecycle.oauth_routes import (
    disconnect_primary,
    finish_authorization,
    start_authorization,
)
from hub_zoom.lifecycle.reconcile import reconcile_event, resync_event
from hub_zoom.recordings.download import DownloadError, file_name, open_download, token_sources
from hub_zoom.recordings.routes import delete_file
from hub_zoom.recordings.store import AVAILABLE, file_of_event
from hub_zoom.service import service
from hub_zoom.webhooks.lookup import meetings_of_event

INTEGRATIONS = "/admin/integrations"


def _event_page(event_id: str) -> str:
    return f"/admin/events/{quote(event_id, safe='')}"


async def _act(
    request: Request[Any, Any, Any], default: str, work: Callable[[], Awaitable[str]]
) -> Redirect:
    """Run one action; its message (or its refusal) is shown on the page it came from."""
    try:
        flash(request, await work())
    except ApiProblem as exc:
        flash(request, str(exc.detail), "error")
    return back(request, default=default)


def _connection_line(status: dict[str, Any]) -> str:
    name = status["connection_id"]
    if status["status"] == CONNECTED:
        user = status.get("user") or {}
        text = f"{name}: connected as {user.get('name')} ({user.get('email')})"
        if status["missing_scopes"]:
            text += f"; missing scopes: {', '.join(status['missing_scopes'])}"
        return text
    return f"{name}: {status['status']}: {status.get('message') or ''}".rstrip(": ")


def _form_value(form: Any, name: str) -> str:
    value = form.get(name) if form is not None else None
    return value.strip() if isinstance(value, str) else ""


def connection_routes(hub: HubContext) -> list[Any]:
    @post("/connect")
    async def connect(request: Request[Any, Any, Any]) -> Redirect:
        """Start the user authorization; Zoom's callback lands back on the admin page.

        A form post (CSRF-checked), so another site cannot start an authorization in the
        operator's browser.
        """
        form = await request.form()
        return_to = safe_next(form.get("next")) or INTEGRATIONS
        try:
            url = await start_authorization(hub, return_to)
        except ApiProblem as exc:
            flash(request, str(exc.detail), "error")
            return Redirect(path=return_to, status_code=303)
        return Redirect(path=url, status_code=303)

    @get("/oauth/callback")
    async def oauth_callback(
        request: Request[Any, Any, Any],
        code: str | None = None,
        oauth_state: Annotated[str | None, Parameter(query="state")] = None,
        error: str | None = None,
    ) -> Redirect:
        """The end of an authorization started by :func:`connect` (forwarded by the
        plugin's public callback with the same query)."""
        return_to = INTEGRATIONS
        try:
            result, stored_return = await finish_authorization(hub, code, oauth_state, error)
            return_to = safe_next(stored_return) or INTEGRATIONS
            user = result.get("user") or {}
            who = f" as {user.get('name')} ({user.get('email')})" if user else ""
            flash(request, f"Connected to Zoom{who}.")
        except ApiProblem as exc:
            flash(request, f"Zoom was not connected: {exc.detail}", "error")
        return Redirect(path=return_to, status_code=303)

    @post("/disconnect")
    async def disconnect(request: Request[Any, Any, Any]) -> Redirect:
        async def work() -> str:
            if service(hub).settings.auth != "authorization_code":
                raise ApiProblem(409, "a Server-to-Server app has no authorization to revoke")
            result = await disconnect_primary(hub)
            return "Disconnected from Zoom." + (
                f" {result['message']}" if result["message"] else ""
            )

        return await _act(request, INTEGRATIONS, work)

    @post("/test-connection")
    async def test_connection(request: Request[Any, Any, Any]) -> Redirect:
        """Ask Zoom who we are (users/me) on every connection; the answer is the message."""
        statuses = [await connection_status(hub, cid) for cid in service(hub).connections]
        failed = any(s["status"] != CONNECTED for s in statuses)
        flash(
            request,
            "Zoom: " + "; ".join(_connection_line(s) for s in statuses),
            "error" if failed else "info",
        )
        return back(request, default=INTEGRATIONS)

    return [connect, oauth_callback, disconnect, test_connection]


def event_routes(hub: HubContext) -> list[Any]:
    @post("/events/{event_id:str}/resync")
    async def resync(request: Request[Any, Any, Any], event_id: str) -> Redirect:
        async def work() -> str:
            await check_provider(hub, event_id)
            async with as_problems(hub):
                result = await resync_event(hub, event_id)
            actions = ", ".join(f"{m['meeting_id']} {m['action']}" for m in result["meetings"])
            return f"Resynced: {actions or 'no meeting'}; {result['registered']} registered."

        return await _act(request, _event_page(event_id), work)

    @post("/events/{event_id:str}/reconcile")
    async def reconcile(request: Request[Any, Any, Any], event_id: str) -> Redirect:
        async def work() -> str:
            await check_provider(hub, event_id)
            async with as_problems(hub):
                result = await reconcile_event(hub, event_id)
            notes = [s["note"] for s in result["sessions"] if s.get("note")]
            return (
                f"Reconciled: {result['added']} added, {result['cancelled']} cancelled, "
                f"{result['unchanged']} unchanged." + (f" {'; '.join(notes)}" if notes else "")
            )

        return await _act(request, _event_page(event_id), work)

    @post("/events/{event_id:str}/recordings/{file_id:str}/share")
    async def share(request: Request[Any, Any, Any], event_id: str, file_id: str) -> Redirect:
        """Share the recording this file belongs to with anyone holding its link."""

        async def work() -> str:
            stored = await file_of_event(hub, event_id, file_id)
            if stored is None or stored.status != AVAILABLE:
                raise ApiProblem(404, f"no recording file {file_id!r} for this event", "file_id")
            meeting = next(
                (
                    m
                    for m in await meetings_of_event(hub, event_id)
                    if m.meeting_id == stored.meeting_id
                ),
                None,
            )
            client = service(hub).client(meeting.connection_id if meeting else None)
            ref = stored.meeting_uuid or stored.meeting_id
            try:
                await client.update_recording_settings(ref, {"share_recording": "publicly"})
                recording = await client.get_recordings(ref)
            except ZoomApiError as exc:
                raise ApiProblem(
                    502, f"Zoom refused to share the recording: {exc.message}"
                ) from None
            link = recording.get("share_url") or "(Zoom sent no link)"
            passcode = recording.get("recording_play_passcode") or recording.get("password")
            return f"Recording shared: {link}" + (f" (passcode {passcode})" if passcode else "")

        return await _act(request, _event_page(event_id), work)

    @get("/events/{event_id:str}/recordings/{file_id:str}/download")
    async def download(
        request: Request[Any, Any, Any], event_id: str, file_id: str
    ) -> Stream | Redirect:
        """Pass the file from Zoom through the hub (Zoom's URL needs a token the browser
        does not have); nothing is stored on the hub's disk."""
        stored = await file_of_event(hub, event_id, file_id)
        if stored is None or stored.status != AVAILABLE:
            flash(request, f"No recording file {file_id!r} for this event.", "error")
            return Redirect(path=_event_page(event_id), status_code=303)
        meetings = {m.meeting_id: m.connection_id for m in await meetings_of_event(hub, event_id)}
        sources = token_sources(hub, stored, meetings.get(stored.meeting_id))
        try:
            response = await open_download(service(hub).http, stored, sources)
        except (DownloadError, ZoomApiError, httpx.HTTPError) as exc:
            flash(request, f"Download failed: {exc}", "error")
            return Redirect(path=_event_page(event_id), status_code=303)

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.aiter_bytes(256 * 1024):
                    yield chunk
            finally:
                await response.aclose()

        headers = {
            "Content-Disposition": f'attachment; filename="{file_name(event_id, stored)}"',
            "Cache-Control": "no-store",
        }
        if "content-length" in response.headers:
            headers["Content-Length"] = response.headers["content-length"]
        return Stream(
            body(),
            media_type=response.headers.get("content-type", "application/octet-stream"),
            headers=headers,
        )

    @post("/events/{event_id:str}/recordings/{file_id:str}/delete")
    async def delete_recording(
        request: Request[Any, Any, Any], event_id: str, file_id: str
    ) -> Redirect:
        async def work() -> str:
            result = await delete_file(hub, event_id, file_id, "trash")
            return (
                f"Recording file {file_id} moved to Zoom's trash; "
                f"{result['remaining_files']} file(s) left."
            )

        return await _act(request, _event_page(event_id), work)

    @post("/events/{event_id:str}/panelists")
    async def add_panelist(request: Request[Any, Any, Any], event_id: str) -> Redirect:
        async def work() -> str:
            form = await request.form()
            raw = {"name": _form_value(form, "name"), "email": _form_value(form, "email")}
            try:
                person = msgspec.convert(raw, panelists.Panelist)
            except msgspec.ValidationError as exc:
                raise ApiProblem(400, f"panelist not added: {exc}") from None
            added = await panelists.add_to_event(hub, event_id, [person])
            return f"Panelist {person.email} invited to webinar(s) {', '.join(added)}."

        return await _act(request, _event_page(event_id), work)

    @post("/events/{event_id:str}/panelists/{panelist_id:str}/remove")
    async def remove_panelist(
        request: Request[Any, Any, Any], event_id: str, panelist_id: str
    ) -> Redirect:
        async def work() -> str:
            removed = await panelists.remove_from_event(hub, event_id, panelist_id)
            if not removed:
                raise ApiProblem(404, f"{panelist_id} is not a panelist of this event")
            return f"Panelist {panelist_id} removed."

        return await _act(request, _event_page(event_id), work)

    return [resync, reconcile, share, download, delete_recording, add_panelist, remove_panelist]


def routes(hub: HubContext) -> list[Any]:
    return [
        Router(
            path=BASE,
            route_handlers=[*connection_routes(hub), *event_routes(hub)],
            guards=[require_admin],
            include_in_schema=False,
        )
    ]
