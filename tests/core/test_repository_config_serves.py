"""The repository's hub.toml, run by the real CLI: `hub zoom-emulator` and `hub serve`.

Issue-level check: `hub serve` with the repository's hub.toml starts on SQLite, and posted
events and tickets yield delivered jobs at GET /api/v1/events/{id} and CRM contacts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import API_KEY, SECRET_KEY, event_body, ticket_body
from tests.support.processes import free_port

ROOT = Path(__file__).parents[2]
HUB = str(Path(sys.executable).parent / "hub")


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"not healthy: {url}\n{log.read_text()[-3000:]}")


@pytest.mark.timeout(120)
def test_hub_serve_with_repository_config(tmp_path: Path) -> None:
    zoom_port, hub_port = free_port(), free_port()
    env = {
        **os.environ,
        "HUB_API_KEYS": API_KEY,
        "HUB_SECRET_KEY": SECRET_KEY,
        "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        "ZOOM_ACCOUNT_ID": "acct-repo-test",
        "ZOOM_CLIENT_ID": "client-repo-test",
        "ZOOM_CLIENT_SECRET": "client-secret-repo-test",
        "ZOOM_WEBHOOK_SECRET_TOKEN": "webhook-secret-repo-test",
        "ZOOM_API_BASE_URL": f"http://127.0.0.1:{zoom_port}/v2",
        "ZOOM_OAUTH_BASE_URL": f"http://127.0.0.1:{zoom_port}",
    }
    logs = tmp_path / "zoom.log", tmp_path / "hub.log"
    with logs[0].open("wb") as zlog, logs[1].open("wb") as hlog:
        zoom = subprocess.Popen(
            [
                HUB,
                "zoom-emulator",
                "--port",
                str(zoom_port),
                "--account-id",
                "acct-repo-test",
                "--client-id",
                "client-repo-test",
                "--client-secret",
                "client-secret-repo-test",
                "--webhook-secret",
                "webhook-secret-repo-test",
                "--webhook-url",
                f"http://127.0.0.1:{hub_port}/webhooks/zoom",
                "--log-level",
                "warning",
            ],
            cwd=tmp_path,
            env=env,
            stdout=zlog,
            stderr=subprocess.STDOUT,
        )
        hub = subprocess.Popen(
            [HUB, "serve", "--config", str(ROOT / "hub.toml"), "--port", str(hub_port)],
            cwd=tmp_path,
            env=env,
            stdout=hlog,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(f"http://127.0.0.1:{zoom_port}/_emulator/health", zoom, logs[0])
            _wait_healthy(f"http://127.0.0.1:{hub_port}/health", hub, logs[1])
            headers = {"Authorization": f"Bearer {API_KEY}"}
            with httpx.Client(
                base_url=f"http://127.0.0.1:{hub_port}", headers=headers, timeout=10
            ) as c:
                assert c.post("/api/v1/events/published", json=event_body()).status_code == 202
                for i in range(3):
                    assert (
                        c.post("/api/v1/tickets/sold", json=ticket_body(f"t-{i}")).status_code
                        == 202
                    )
                deadline = time.monotonic() + 60
                body: dict = {}
                while time.monotonic() < deadline:
                    body = c.get("/api/v1/events/ev-1").json()
                    if (
                        body["sync"]["state"] == "synced"
                        and body["sync"]["registrations"].get("registered") == 3
                    ):
                        break
                    time.sleep(0.2)
                assert body["sync"]["state"] == "synced", body
                assert body["meeting"]["join_url"].startswith(f"http://127.0.0.1:{zoom_port}")
                ticket = c.get("/api/v1/events/ev-1/tickets/t-0").json()
                assert ticket["join_url"]
                contacts = c.get("/crm-stub/contacts").json()
                assert {x["email"] for x in contacts} >= {f"t-{i}@example.com" for i in range(3)}
                plugins = {p["name"]: p for p in c.get("/-/plugins").json()["plugins"]}
                assert plugins["zoom"]["enabled"] and plugins["zoom"]["providers"] == ["zoom"]
        finally:
            for proc in (hub, zoom):
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
    # Secrets given through the environment never reach the log.
    assert "client-secret-repo-test" not in logs[1].read_text()
