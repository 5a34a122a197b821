"""Downloading an event's recording files to a folder, safely.

Each file is streamed (recordings run to gigabytes) into a temporary file in the target
folder and renamed to its final name only once complete and of the size Zoom announced.
An interrupted download (network drop, Ctrl-C, a full disk) removes its temporary file and
never leaves a truncated file under the final name, so a file that exists is a whole file
and a re-run skips it. Rename within one folder is atomic (:func:`os.replace`).

Authorisation: the ``download_token`` sent with the recording webhook (valid 24 hours) is
tried first; when Zoom refuses it, a fresh access token of the meeting's connection.
Zoom answers the download URL with a redirect to a short-lived signed URL, so redirects
are followed.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from hub.context import HubContext
from hub_zoom.recordings.store import StoredFile, files_of_event
from hub_zoom.service import service
from hub_zoom.webhooks.lookup import meetings_of_event

CHUNK = 256 * 1024
TokenSource = Callable[[], Awaitable[str | None]]
Progress = Callable[[StoredFile, int], None]


class DownloadError(Exception):
    """A file could not be downloaded completely; nothing was left under its name."""


def file_name(event_id: str, stored: StoredFile) -> str:
    kind = (stored.file_type or "file").lower()
    ext = (stored.file_extension or stored.file_type or "bin").lower()
    raw = f"{event_id}_{kind}_{stored.file_id}.{ext}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", raw)


async def _stream_to(
    http: httpx.AsyncClient,
    stored: StoredFile,
    token: str,
    target: Path,
    progress: Progress | None,
) -> bool:
    """Stream into a temp file and rename; False when the token was refused (401)."""
    assert stored.download_url
    handle = tempfile.NamedTemporaryFile(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
    )
    temp = Path(handle.name)
    try:
        written = 0
        async with http.stream(
            "GET",
            stored.download_url,
            headers={"Authorization": f"Bearer {token}"},
            follow_redirects=True,
        ) as response:
            if response.status_code == 401:
                return False
            if response.status_code != 200:
                raise DownloadError(f"{stored.file_id}: Zoom answered HTTP {response.status_code}")
            async for chunk in response.aiter_bytes(CHUNK):
                handle.write(chunk)
                written += len(chunk)
                if progress is not None:
                    progress(stored, len(chunk))
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        if stored.file_size is not None and written != stored.file_size:
            raise DownloadError(
                f"{stored.file_id}: got {written} bytes, Zoom announced {stored.file_size}"
            )
        os.replace(temp, target)
        return True
    finally:
        handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


async def download_file(
    http: httpx.AsyncClient,
    event_id: str,
    stored: StoredFile,
    folder: Path,
    tokens: list[TokenSource],
    progress: Progress | None = None,
) -> Path:
    """Download one file into ``folder``; an existing complete file is kept as is."""
    target = folder / file_name(event_id, stored)
    if target.exists() and (stored.file_size is None or target.stat().st_size == stored.file_size):
        if progress is not None:
            progress(stored, stored.file_size or 0)
        return target
    if not stored.download_url:
        raise DownloadError(f"{stored.file_id}: no download URL")
    for source in tokens:
        token = await source()
        if token and await _stream_to(http, stored, token, target, progress):
            return target
    raise DownloadError(f"{stored.file_id}: Zoom refused every token (401)")


def token_sources(
    hub: HubContext, stored: StoredFile, connection_id: str | None
) -> list[TokenSource]:
    """The webhook's ``download_token`` first (no API quota), then the connection's token."""

    async def webhook_token() -> str | None:
        sealed = stored.download_token_sealed
        return hub.secret_box.open(sealed) if sealed else None

    async def access_token() -> str | None:
        return await service(hub).connection(connection_id).tokens.get_access_token()

    return [webhook_token, access_token]


async def open_download(
    http: httpx.AsyncClient, stored: StoredFile, tokens: list[TokenSource]
) -> httpx.Response:
    """Zoom's answer for the file, open for streaming (the caller closes it).

    Used to pass a recording through the hub to a browser without storing it.
    """
    if not stored.download_url:
        raise DownloadError(f"{stored.file_id}: no download URL")
    for source in tokens:
        token = await source()
        if not token:
            continue
        request = http.build_request(
            "GET", stored.download_url, headers={"Authorization": f"Bearer {token}"}
        )
        response = await http.send(request, stream=True, follow_redirects=True)
        if response.status_code == 200:
            return response
        await response.aclose()
        if response.status_code != 401:
            raise DownloadError(f"{stored.file_id}: Zoom answered HTTP {response.status_code}")
    raise DownloadError(f"{stored.file_id}: Zoom refused every token (401)")


async def download_event(
    hub: HubContext,
    event_id: str,
    folder: Path,
    *,
    http: httpx.AsyncClient | None = None,
    progress: Progress | None = None,
    on_start: Callable[[list[StoredFile]], None] | None = None,
) -> list[Path]:
    """Download every available recording file of the event into ``folder``."""
    os.makedirs(folder, exist_ok=True)
    files = [f for f in await files_of_event(hub, event_id) if f.download_url]
    if on_start is not None:
        on_start(files)
    connections = {m.meeting_id: m.connection_id for m in await meetings_of_event(hub, event_id)}
    own_http = http is None
    client = http or httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))
    paths = []
    try:
        for stored in files:
            sources = token_sources(hub, stored, connections.get(stored.meeting_id))
            paths.append(await download_file(client, event_id, stored, folder, sources, progress))
    finally:
        if own_http:
            await client.aclose()
    return paths
