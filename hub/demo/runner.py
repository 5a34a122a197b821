"""Runs the demo: a sandboxed provider, the hub on loopback, ticketing traffic, meetings.

Everything is checked, not just shown: the demo exits non-zero when anything in the chain
did not arrive (a registrant missing, a join link missing from the event page, attendance
minutes that differ from what was played, a contact missing in the CRM, no recording).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub.api.app import create_app
from hub.api.serving import serve_app
from hub.config.loader import config_from_dict, load_config
from hub.config.schema import HubConfig
from hub.demo import report, traffic
from hub.demo.scenario import AttendeeScript, plan_attendance
from hub.errors import ConfigError
from hub.models import MeetingDetails
from hub.plugins.manager import find_provider_plugin
from hub.runtime import open_hub
from hub.sandbox import Attendee, Sandbox


@dataclass
class DemoOptions:
    config: str | None = None
    provider: str | None = None
    tickets: int = 40
    webinar_tickets: int = 60
    refunds: int = 5
    seed: int = 7
    work_dir: str | None = None
    timeout: float = 240.0


@dataclass
class DemoEvent:
    id: str
    title: str
    capacity: int
    format: str
    minutes: int
    tickets: list[dict[str, Any]] = field(default_factory=list)
    refunded: set[str] = field(default_factory=set)
    meeting: MeetingDetails | None = None
    scripts: list[AttendeeScript] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


class Checks:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.passed: list[str] = []

    def expect(self, ok: bool, what: str) -> bool:
        (self.passed if ok else self.failures).append(what)
        return ok


def _work_dir(path: str | None) -> Path:
    work = Path(path or tempfile.mkdtemp(prefix="hub-demo-"))
    work.mkdir(parents=True, exist_ok=True)
    return work


def _base_config(path: str | None) -> HubConfig | None:
    candidate = Path(path or os.environ.get("HUB_CONFIG") or "hub.toml")
    return load_config(candidate) if candidate.exists() else None


def demo_config(
    base: HubConfig | None, provider: str, plugin: str, sandbox: Sandbox, work: Path
) -> HubConfig:
    enabled = list(base.plugins.enabled) if base else ["ticketing_stub", "crm_stub"]
    if plugin not in enabled:
        enabled.append(plugin)
    tables: dict[str, Any] = {
        name: table
        for name, table in (base.plugin_tables.items() if base else ())
        if name != plugin and name in enabled and name not in _other_providers(base, plugin)
    }
    enabled = [n for n in enabled if n == plugin or n not in _other_providers(base, plugin)]
    tables[plugin] = sandbox.settings
    raw = {
        "hub": {"default_video_provider": provider, "public_url": "http://127.0.0.1"},
        "database": {"url": f"sqlite+aiosqlite:///{work / 'demo.db'}"},
        "pipeline": {
            "poll_interval_seconds": 0.05,
            "backoff_base_seconds": 0.2,
            "backoff_max_seconds": 5.0,
        },
        "logging": {"level": "warning"},
        "plugins": {"enabled": enabled, **tables},
    }
    return config_from_dict(raw, str(work / "hub.toml"))


def _other_providers(base: HubConfig | None, plugin: str) -> set[str]:
    """Video provider plugins other than the demo's: they would need real accounts."""
    if base is None:
        return set()
    others = set()
    for name in base.plugins.enabled:
        if name == plugin:
            continue
        try:
            find_provider_plugin(None, plugin_name=name)
        except ConfigError:
            continue
        others.add(name)
    return others


async def _wait_for(
    what: str, check: Callable[[], Awaitable[bool]], limit_seconds: float, interval: float = 0.2
) -> bool:
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(interval)
    return False


async def run_demo(options: DemoOptions, console: Console) -> int:
    started = time.monotonic()
    base = _base_config(options.config)
    provider = options.provider or (base.hub.default_video_provider if base else None) or "zoom"
    plugin, module = find_provider_plugin(provider)
    work = _work_dir(options.work_dir)
    sandbox_factory = getattr(module, "hub_sandbox", None)
    cm = sandbox_factory(work_dir=str(work)) if sandbox_factory else None
    if cm is None:
        raise ConfigError(f"video provider {provider!r} offers no sandbox to run the demo with")
    checks = Checks()
    console.print(
        f"[bold]hub demo[/bold]: provider [cyan]{provider}[/cyan] (sandbox), SQLite in {work}"
    )
    async with cm as sandbox:
        os.environ.update(sandbox.env)
        api_key = secrets.token_urlsafe(24)
        os.environ["HUB_API_KEYS"] = api_key
        os.environ.setdefault("HUB_SECRET_KEY", secrets.token_urlsafe(48))
        config = demo_config(base, provider, plugin, sandbox, work)
        async with (
            open_hub(config, configure_logs=True) as runtime,
            serve_app(create_app(runtime)) as url,
        ):
            await sandbox.simulator.attach(url)
            headers = {"Authorization": f"Bearer {api_key}"}
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
                events = await _sell(client, options, console)
                await _wait_synced(client, events, options, console, checks)
                await _show_event_pages(client, events, runtime.registry.enabled, checks)
                await _run_meetings(client, events, sandbox, options, console, checks)
                await _collect(client, events, runtime.registry.enabled, options, console, checks)
        report.print_report(console, provider, events, checks, time.monotonic() - started)
    return 1 if checks.failures else 0


async def _sell(
    client: httpx.AsyncClient, options: DemoOptions, console: Console
) -> list[DemoEvent]:
    events = [
        DemoEvent("demo-workshop", "Online Workshop: Zero to Virtual", 100, "meeting", 90),
        DemoEvent("demo-summit", "Virtual Summit 2031 (keynotes)", 5000, "auto", 60),
    ]
    sizes = [options.tickets, options.webinar_tickets]
    with _progress(console) as progress:
        task = progress.add_task("publishing events", total=len(events))
        for event in events:
            body = traffic.event_body(
                event.id, event.title, event.capacity, event.format, event.minutes, 14
            )
            await traffic.post_all(client, "/api/v1/events/published", [body])
            progress.advance(task)
        for event, size in zip(events, sizes, strict=True):
            event.tickets = traffic.tickets_for(event.id, size, options.seed)
            task = progress.add_task(f"selling tickets ({event.id})", total=size)
            await traffic.post_all(
                client, "/api/v1/tickets/sold", event.tickets, lambda t=task: progress.advance(t)
            )
        event = events[0]
        refunds = [
            {"ticket_id": t["id"], "event_id": event.id}
            for t in event.tickets[-options.refunds :]
            if options.refunds
        ]
        task = progress.add_task("refunding tickets", total=len(refunds))
        await traffic.post_all(
            client, "/api/v1/tickets/refunded", refunds, lambda: progress.advance(task)
        )
        event.refunded = {r["ticket_id"] for r in refunds}
    return events


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


async def _wait_synced(
    client: httpx.AsyncClient,
    events: list[DemoEvent],
    options: DemoOptions,
    console: Console,
    checks: Checks,
) -> None:
    with _progress(console) as progress:
        for event in events:
            holders = len(event.tickets) - len(event.refunded)
            task = progress.add_task(f"registering ({event.id})", total=len(event.tickets))

            async def synced(event: DemoEvent = event, task: Any = task) -> bool:
                body = (await client.get(f"/api/v1/events/{event.id}")).json()
                regs = body["sync"]["registrations"]
                progress.update(
                    task, completed=regs.get("registered", 0) + regs.get("cancelled", 0)
                )
                event.summary = body
                return body["sync"]["state"] != "syncing" and body["meeting"] is not None

            done = await _wait_for("sync", synced, options.timeout)
            checks.expect(done, f"{event.id}: every delivery finished")
            regs = event.summary.get("sync", {}).get("registrations", {})
            checks.expect(
                regs.get("registered", 0) == holders,
                f"{event.id}: {holders} holders registered (got {regs.get('registered', 0)})",
            )
            checks.expect(
                regs.get("cancelled", 0) == len(event.refunded),
                f"{event.id}: {len(event.refunded)} refunds cancelled",
            )
            if event.summary.get("meeting"):
                event.meeting = msgspec.convert(event.summary["meeting"], MeetingDetails)
            checks.expect(bool(event.meeting and event.meeting.join_url), f"{event.id}: join link")
            sample = next(t for t in event.tickets if t["id"] not in event.refunded)
            ticket = (await client.get(f"/api/v1/events/{event.id}/tickets/{sample['id']}")).json()
            checks.expect(bool(ticket.get("join_url")), f"{event.id}: personal join link")
            event.summary["sample_ticket"] = ticket


async def _show_event_pages(
    client: httpx.AsyncClient, events: list[DemoEvent], enabled: list[str], checks: Checks
) -> None:
    if "ticketing_stub" not in enabled:
        return
    for event in events:
        response = await client.get(f"/ticketing-stub/events/{event.id}", params={"format": "json"})
        page = response.json() if response.status_code == 200 else {}
        event.summary["event_page"] = page
        text = response.text
        checks.expect(
            bool(event.meeting and event.meeting.join_url and event.meeting.join_url in text),
            f"{event.id}: event page shows the join link",
        )


async def _run_meetings(
    client: httpx.AsyncClient,
    events: list[DemoEvent],
    sandbox: Sandbox,
    options: DemoOptions,
    console: Console,
    checks: Checks,
) -> None:
    sim = sandbox.simulator
    with _progress(console) as progress:
        for n, event in enumerate(events):
            if event.meeting is None:
                continue
            holders = [
                (t["id"], t["email"], f"{t['first_name']} {t['last_name']}")
                for t in event.tickets
                if t["id"] not in event.refunded
            ]
            start = datetime.fromisoformat(event.summary["event"]["starts_at"])
            event.scripts = plan_attendance(holders, start, event.minutes, options.seed + n)
            steps: list[tuple[datetime, int, Any]] = []
            for script in event.scripts:
                who = Attendee(script.email, script.name)
                for c in script.connections:
                    steps.append((c.join, 0, (sim.join, who, c.join, c.device)))
                    steps.append((c.leave, 1, (sim.leave, who, c.leave, c.device)))
            steps.sort(key=lambda s: (s[0], s[1]))
            task = progress.add_task(f"running meeting ({event.id})", total=len(steps) + 2)
            await sim.start(event.meeting, start)
            progress.advance(task)
            for _, _, (fn, who, at, device) in steps:
                await fn(event.meeting, who, at, device)
                progress.advance(task)
            await sim.end(event.meeting, start + timedelta(minutes=event.minutes))
            event.summary["recorded"] = await sim.record(event.meeting)
            progress.advance(task)
        await sim.settle()


async def _collect(
    client: httpx.AsyncClient,
    events: list[DemoEvent],
    enabled: list[str],
    options: DemoOptions,
    console: Console,
    checks: Checks,
) -> None:
    for event in events:

        async def attendance_final(event: DemoEvent = event) -> bool:
            body = (await client.get(f"/api/v1/events/{event.id}/attendance")).json()
            event.summary["attendance"] = body
            return bool(body.get("final"))

        final = await _wait_for("attendance", attendance_final, options.timeout)
        checks.expect(final, f"{event.id}: final attendance report")
        records = {
            r["ticket_id"]: r
            for r in event.summary.get("attendance", {}).get("records", [])
            if r.get("ticket_id")
        }
        mismatches = [
            s.ticket_id
            for s in event.scripts
            if s.connections
            and abs(records.get(s.ticket_id, {}).get("minutes", -1) - s.expected_minutes) > 0.01
        ]
        checks.expect(
            final and not mismatches,
            f"{event.id}: minutes per person match the meeting exactly"
            + (f" ({len(mismatches)} differ)" if mismatches else ""),
        )
        if event.summary.get("recorded"):

            async def recorded(event: DemoEvent = event) -> bool:
                body = (await client.get(f"/api/v1/events/{event.id}/recordings")).json()
                event.summary["recordings"] = body["recordings"]
                return bool(body["recordings"])

            checks.expect(
                await _wait_for("recording", recorded, options.timeout),
                f"{event.id}: recording listed",
            )
    if "crm_stub" in enabled:
        attendees = {s.email for e in events for s in e.scripts}

        async def crm_synced() -> bool:
            body = (await client.get("/crm-stub/contacts")).json()
            contacts = body.get("contacts", body) if isinstance(body, dict) else body
            events[0].summary["crm"] = contacts
            with_attendance = {c.get("email") for c in contacts if c.get("attendance")}
            return attendees <= with_attendance

        checks.expect(
            await _wait_for("crm", crm_synced, options.timeout),
            "CRM: every attendee's contact carries their attendance",
        )
