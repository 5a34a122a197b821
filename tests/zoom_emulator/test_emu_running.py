"""Ways to run the emulator: alone from the command line, in a thread, several apps."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
from click.testing import CliRunner
from hub_zoom.emulator import OAuthApp
from hub_zoom.emulator.cli import zoom_emulator_command
from hub_zoom.emulator.testing import emulator_in_thread

ZoomFactory = Any  # fixtures from conftest.py


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_command_is_named_and_documents_its_options() -> None:
    assert zoom_emulator_command.name == "zoom-emulator"
    help_text = CliRunner().invoke(zoom_emulator_command, ["--help"]).output
    for option in (
        "--host",
        "--port",
        "--plan",
        "--account-id",
        "--client-id",
        "--client-secret",
        "--webhook-url",
        "--webhook-secret",
        "--time-scale",
    ):
        assert option in help_text


def test_runs_alone_with_python_m() -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hub_zoom.emulator",
            "--port",
            str(port),
            "--plan",
            "business",
            "--account-id",
            "acctCLI",
            "--client-id",
            "cidCLI",
            "--client-secret",
            "secCLI",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/_emulator/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "emulator did not start"
            time.sleep(0.1)
        token = httpx.post(
            f"{base}/oauth/token",
            data={"grant_type": "account_credentials", "account_id": "acctCLI"},
            auth=("cidCLI", "secCLI"),
        ).json()["access_token"]
        me = httpx.get(f"{base}/v2/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.headers["X-RateLimit-Limit"] == "80"  # business plan, light
    finally:
        process.terminate()
        process.wait(10)


def test_sync_variant_in_a_thread() -> None:
    with emulator_in_thread(plan="free") as zoom:
        token = httpx.post(
            f"{zoom.oauth_base_url}/oauth/token",
            data={"grant_type": "account_credentials", "account_id": zoom.config.account_id},
            auth=(zoom.config.client_id, zoom.config.client_secret),
        ).json()["access_token"]
        response = httpx.get(
            f"{zoom.api_base_url}/users/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        assert zoom.state.stats.calls["GET /v2/users/{userId}"] == 1


async def test_several_apps_route_webhooks_by_account(zoom_factory: ZoomFactory, sink: Any) -> None:
    second = OAuthApp(
        client_id="cid2",
        client_secret="sec2",
        account_id="acct2",
        plan="business",
        webhook_url=sink.url + "?account=acct2",
        webhook_secret="second-secret",
    )
    users = [
        {"email": "owner@example.com"},
        {"email": "boss@two.example", "account_id": "acct2"},
    ]
    async with zoom_factory(webhook_url=sink.url, apps=[second], users=users) as zc:
        token2 = (
            await zc.http.post(
                f"{zc.zoom.oauth_base_url}/oauth/token",
                data={"grant_type": "account_credentials", "account_id": "acct2"},
                auth=("cid2", "sec2"),
            )
        ).json()["access_token"]
        headers2 = {"Authorization": f"Bearer {token2}"}
        me2 = (await zc.http.get(f"{zc.zoom.api_base_url}/users/me", headers=headers2)).json()
        assert me2["email"] == "boss@two.example"
        m2 = (
            await zc.http.post(
                f"{zc.zoom.api_base_url}/users/me/meetings", headers=headers2, json={"topic": "two"}
            )
        ).json()
        m1 = await zc.new_meeting()
        # Accounts do not see each other's meetings.
        assert (await zc.api("GET", f"/meetings/{m2['id']}")).status_code == 404
        for meeting_id in (m1["id"], m2["id"]):
            await zc.ctl("POST", f"/meetings/{meeting_id}/start", json={"host_joins": False})
        await zc.ctl("POST", "/webhooks/drain", json={})
        await asyncio.sleep(0)
    started = [r for r in sink.received if r.json()["event"] == "meeting.started"]
    by_account = {r.json()["payload"]["account_id"]: r for r in started}
    assert set(by_account) == {zc.zoom.config.account_id, "acct2"}
    assert by_account["acct2"].json()["payload"]["object"]["id"] == str(m2["id"])
    assert by_account["acct2"].headers["clientid"] == "cid2"
