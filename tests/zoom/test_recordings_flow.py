"""Recordings end to end: recording.completed and the transcript are listed on the event,
the download token is never stored in clear, files download whole (an interrupted
download leaves nothing under the final name, the CLI shows progress), and deletion goes
to Zoom and back to the event."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hub_ticketing_stub import tables as ticketing_tables
from hub_zoom.recordings.download import download_event
from hub_zoom.storage import tables as zoom_tables

from hub.cli.main import cli
from hub.storage import tables as hub_tables
from tests.zoom.conftest import (
    ZoomHub,
    control,
    publish_with_tickets,
    settle,
    write_hub_toml,
    zoom_hub,
)


async def held_and_recorded(zh: ZoomHub, event_id: str) -> str:
    meeting_id, reg = await publish_with_tickets(zh, event_id, 1, format="meeting")
    steps = [
        {"action": "start"},
        {"action": "join", "registrant_id": reg["t-0"], "offset_seconds": 60},
        {"action": "end", "offset_seconds": 1800},
        {"action": "recording"},
        {"action": "transcript"},
    ]
    await control(
        zh, "/simulate", {"meeting_id": meeting_id, "steps": steps, "wait_for_webhooks": True}
    )
    await settle(zh)
    return meeting_id


def emulator_files(zh: ZoomHub, meeting_id: str) -> dict[str, Any]:
    meeting = zh.zoom.state.meetings[int(meeting_id)]
    return {f.id: f for i in meeting.instances if i.recording for f in i.recording.files}


@pytest.fixture
async def zh(db_url: str) -> AsyncIterator[ZoomHub]:
    async with zoom_hub(db_url, enabled=["zoom", "ticketing_stub"]) as hub:
        yield hub


async def test_recording_listed_with_files_share_link_and_sealed_token(zh: ZoomHub) -> None:
    meeting_id = await held_and_recorded(zh, "ev-rec")
    (recording,) = (await zh.api.get("/api/v1/events/ev-rec/recordings")).json()["recordings"]
    zoom_recording = zh.zoom.state.meetings[int(meeting_id)].instances[-1].recording
    assert recording["meeting_id"] == meeting_id
    assert recording["share_url"].endswith(f"/rec/share/{zoom_recording.share_token}")
    assert recording["passcode"] == zoom_recording.password
    files = {f["file_type"]: f for f in recording["files"]}
    assert set(files) == {"MP4", "M4A", "TRANSCRIPT"}
    assert files["MP4"]["file_size"] == zh.zoom.config.recording_video_size
    assert files["MP4"]["recording_type"] == "shared_screen_with_speaker_view"
    assert files["MP4"]["play_url"] and files["MP4"]["download_url"]
    rf = zoom_tables.recording_files
    async with zh.runtime.db.connect() as conn:
        tokens = (await conn.execute(sa.select(rf.c.download_token_sealed))).scalars().all()
        facts = (await conn.execute(sa.select(hub_tables.facts.c.payload))).scalars().all()
    assert len(tokens) == 3 and all(t and "emu_dl." not in t for t in tokens)
    assert "emu_dl." not in json.dumps(facts)
    assert zh.runtime.hub.secret_box.open(tokens[0]).startswith("emu_dl.")
    # on_recording_ready reached the ticketing stub: its event page shares the link.
    page = ticketing_tables.recordings
    async with zh.runtime.db.connect() as conn:
        shown = (await conn.execute(sa.select(page).where(page.c.event_id == "ev-rec"))).one()
    assert (shown.share_url, shown.passcode) == (recording["share_url"], recording["passcode"])


async def test_download_whole_files_and_fall_back_to_access_token(
    zh: ZoomHub, tmp_path: Path
) -> None:
    meeting_id = await held_and_recorded(zh, "ev-rec")
    expected = emulator_files(zh, meeting_id)
    paths = await download_event(zh.runtime.hub, "ev-rec", tmp_path / "out")
    assert len(paths) == 3
    for path in paths:
        file_id = next(i for i in expected if i in path.name)
        assert path.read_bytes() == expected[file_id].content
    # An expired or revoked download token: the connection's access token is used instead.
    rf = zoom_tables.recording_files
    async with zh.runtime.db.transaction() as conn:
        await conn.execute(
            sa.update(rf).values(download_token_sealed=zh.runtime.hub.secret_box.seal("stale"))
        )
    again = await download_event(zh.runtime.hub, "ev-rec", tmp_path / "again")
    assert sorted(p.read_bytes() for p in again) == sorted(f.content for f in expected.values())


class CutAfterFirstBytes(httpx.AsyncBaseTransport):
    """Delivers the first bytes of every file body, then drops the connection."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if "/rec/file/" not in request.url.path:
            return response

        async def cut() -> AsyncIterator[bytes]:
            async for chunk in response.stream:
                yield chunk[:1000]
                raise httpx.ReadError("connection reset by peer")

        return httpx.Response(response.status_code, headers=response.headers, stream=_Stream(cut()))


class _Stream(httpx.AsyncByteStream):
    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.chunks:
            yield chunk


async def test_interrupted_download_leaves_no_file(zh: ZoomHub, tmp_path: Path) -> None:
    await held_and_recorded(zh, "ev-rec")
    folder = tmp_path / "cut"
    async with httpx.AsyncClient(transport=CutAfterFirstBytes()) as http:
        with pytest.raises(httpx.ReadError):
            await download_event(zh.runtime.hub, "ev-rec", folder, http=http)
    assert list(folder.iterdir()) == []  # neither a truncated final file nor a temporary one


async def test_cli_download_with_progress(zh: ZoomHub, db_url: str, tmp_path: Path) -> None:
    await held_and_recorded(zh, "ev-rec")
    config = write_hub_toml(zh, db_url, tmp_path / "hub.toml")
    out = tmp_path / "cli-out"
    args = ["--config", str(config), "zoom", "recordings", "download"]
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, [*args, "--event", "ev-rec", "--to", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert len([p for p in out.iterdir() if not p.name.startswith(".")]) == 3
    assert "ev-rec_mp4_" in result.output


async def test_delete_goes_to_zoom_and_updates_the_event(zh: ZoomHub) -> None:
    meeting_id = await held_and_recorded(zh, "ev-rec")
    files = {f.file_type: f for f in emulator_files(zh, meeting_id).values()}
    mp4, m4a = files["MP4"].id, files["M4A"].id

    assert (
        await zh.api.delete(
            f"/api/v1/events/ev-rec/recordings/{mp4}", headers={"Authorization": ""}
        )
    ).status_code == 401
    bad = await zh.api.delete(f"/api/v1/events/ev-rec/recordings/{mp4}?action=shred")
    assert bad.status_code == 400

    trashed = await zh.api.delete(f"/api/v1/events/ev-rec/recordings/{mp4}")
    assert trashed.status_code == 200 and trashed.json()["status"] == "trashed"
    assert files["MP4"].deleted_time is not None  # in Zoom's trash
    gone = await zh.api.delete(f"/api/v1/events/ev-rec/recordings/{m4a}?action=delete")
    assert gone.json() == {
        "event_id": "ev-rec",
        "file_id": m4a,
        "status": "deleted",
        "remaining_files": 1,
    }
    assert m4a not in emulator_files(zh, meeting_id)
    (recording,) = (await zh.api.get("/api/v1/events/ev-rec/recordings")).json()["recordings"]
    assert [f["file_type"] for f in recording["files"]] == ["TRANSCRIPT"]
    assert recording["share_url"]  # kept from the earlier report
    again = await zh.api.delete(f"/api/v1/events/ev-rec/recordings/{mp4}")
    assert again.status_code == 404


async def test_cli_lists_files_and_recomputes_attendance(
    zh: ZoomHub, db_url: str, tmp_path: Path
) -> None:
    await held_and_recorded(zh, "ev-rec")
    config = str(write_hub_toml(zh, db_url, tmp_path / "hub.toml"))
    runner = CliRunner()
    listed = await asyncio.to_thread(
        runner.invoke, cli, ["--config", config, "zoom", "recordings", "list", "--event", "ev-rec"]
    )
    assert listed.exit_code == 0, listed.output
    assert sorted(line.split("\t")[1] for line in listed.output.splitlines()) == [
        "M4A",
        "MP4",
        "TRANSCRIPT",
    ]
    args = ["--config", config, "zoom", "attendance", "recompute", "--event", "ev-rec"]
    recomputed = await asyncio.to_thread(runner.invoke, cli, args)
    assert recomputed.exit_code == 0, recomputed.output
    assert "final report with" in recomputed.output
