"""The Zoom load the fault, crash and multi-process proofs share, and how they are judged.

The load is two events (a webinar and a meeting) with thousands of tickets, a share of
them refunded. Everything is sent through the hub's HTTP API like a ticketing platform
would, and the verdict is read from the two places that matter: the emulator's own state
(what Zoom holds) and the hub's database (what the hub believes). Nothing is taken from
the hub's answers alone.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlalchemy as sa
from hub_zoom.storage import tables as zoom_tables

from hub.storage import tables
from hub.storage.database import Database
from tests.conftest import API_KEY

HEADERS = {"Authorization": f"Bearer {API_KEY}"}
WEBINAR, MEETING = "ev-webinar", "ev-meeting"


@dataclass(frozen=True)
class LoadPlan:
    webinar_tickets: int = 5000
    meeting_tickets: int = 2000
    refund_every: int = 20  # every 20th ticket of each event is refunded (5 %)

    def events(self) -> list[dict[str, Any]]:
        common = {
            "description": "Reliability run",
            "starts_at": "2030-07-15T14:00:00+00:00",
            "duration_minutes": 90,
            "timezone": "Europe/Bucharest",
        }
        return [
            {
                **common,
                "id": WEBINAR,
                "title": "Webinar under load",
                "capacity": self.webinar_tickets + 100,
                "format": "webinar",
            },
            {
                **common,
                "id": MEETING,
                "title": "Meeting under load",
                "capacity": self.meeting_tickets + 100,
                "format": "meeting",
            },
        ]

    def ticket_ids(self, event_id: str) -> list[str]:
        count = self.webinar_tickets if event_id == WEBINAR else self.meeting_tickets
        prefix = "w" if event_id == WEBINAR else "m"
        return [f"{prefix}-{i:05d}" for i in range(count)]

    def tickets(self) -> list[dict[str, Any]]:
        """Both events' tickets interleaved, as sales of two events arrive together."""
        web, meet = self.ticket_ids(WEBINAR), self.ticket_ids(MEETING)
        out: list[dict[str, Any]] = []
        for i in range(max(len(web), len(meet))):
            for event_id, ids in ((WEBINAR, web), (MEETING, meet)):
                if i < len(ids):
                    out.append(ticket(ids[i], event_id))
        return out

    def refunded(self, event_id: str) -> set[str]:
        return set(self.ticket_ids(event_id)[:: self.refund_every])

    def refunds(self) -> list[dict[str, Any]]:
        return [
            {"ticket_id": ticket_id, "event_id": event_id}
            for event_id in (WEBINAR, MEETING)
            for ticket_id in sorted(self.refunded(event_id))
        ]

    @property
    def total(self) -> int:
        return self.webinar_tickets + self.meeting_tickets


def ticket(ticket_id: str, event_id: str) -> dict[str, Any]:
    return {
        "id": ticket_id,
        "event_id": event_id,
        "email": f"{ticket_id}@load.example.com",
        "first_name": "Holder",
        "last_name": ticket_id,
    }


def email_of(ticket_id: str) -> str:
    return f"{ticket_id}@load.example.com"


@dataclass
class Posted:
    """What a ticketing platform saw: 202s, errors, and requests it had to send again."""

    accepted: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    no_answer: int = 0


def body_key(path: str, body: dict[str, Any]) -> str:
    return f"{path}:{body.get('event_id', '')}:{body.get('id') or body.get('ticket_id')}"


async def post_all(
    url: str,
    path: str,
    bodies: Iterable[dict[str, Any]],
    posted: Posted,
    *,
    concurrency: int = 16,
    retry_for: float = 0.0,
    stop: asyncio.Event | None = None,
) -> None:
    """POST every body; one without a 202 is sent again (same body) for ``retry_for``
    seconds, as a platform retries, unless ``stop`` is set (the hub is being killed)."""
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=30) as client:

        async def one(body: dict[str, Any]) -> None:
            key = body_key(path, body)
            if key in posted.accepted:
                return
            deadline = time.monotonic() + retry_for
            async with gate:
                while True:
                    if stop is not None and stop.is_set():
                        return
                    posted.attempts += 1
                    try:
                        response = await client.post(path, json=body)
                    except httpx.HTTPError:
                        posted.no_answer += 1
                        posted.statuses["no answer"] += 1
                    else:
                        posted.statuses[str(response.status_code)] += 1
                        if response.status_code == 202:
                            posted.accepted.add(key)
                            return
                        if response.status_code < 500:
                            raise AssertionError(f"{path} refused {body}: {response.text}")
                    if time.monotonic() > deadline:
                        return
                    await asyncio.sleep(0.2)

        await asyncio.gather(*(one(b) for b in bodies))


async def publish(url: str, plan: LoadPlan) -> None:
    async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=30) as client:
        for event in plan.events():
            response = await client.post("/api/v1/events/published", json=event)
            assert response.status_code == 202, response.text


async def open_deliveries(db: Database) -> int:
    d = tables.deliveries
    async with db.connect() as conn:
        return (
            await conn.execute(
                sa.select(sa.func.count()).where(d.c.state.in_(("pending", "running")))
            )
        ).scalar_one()


async def wait_until_drained(db: Database, timeout: float, settle: float = 1.0) -> float:
    """Wait for no pending or running delivery (twice, ``settle`` apart); returns seconds."""
    started = time.monotonic()
    async with asyncio.timeout(timeout):
        while True:
            if await open_deliveries(db) == 0:
                await asyncio.sleep(settle)
                if await open_deliveries(db) == 0:
                    return time.monotonic() - started
            await asyncio.sleep(0.5)


async def control(control_url: str, method: str, path: str, body: Any = None) -> Any:
    async with httpx.AsyncClient(base_url=control_url, timeout=60) as client:
        response = await client.request(method, path, json=body)
    response.raise_for_status()
    return response.json()


@dataclass
class Verdict:
    """What Zoom holds against what the hub recorded, per event; ``problems`` lists every
    mismatch (empty when the run is correct)."""

    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


async def verify(
    db: Database,
    control_url: str,
    plan: LoadPlan,
    extra_refunds: dict[str, set[str]] | None = None,
) -> Verdict:
    """Judge the run; ``extra_refunds`` are refunds sent besides the plan's, per event."""
    verdict = Verdict()
    m, r = zoom_tables.meetings, zoom_tables.registrants
    d = tables.deliveries
    async with db.connect() as conn:
        meetings = (await conn.execute(sa.select(m.c.event_id, m.c.meeting_id, m.c.status))).all()
        ledger = (
            await conn.execute(
                sa.select(r.c.event_id, r.c.ticket_id, r.c.status, r.c.registrant_id)
            )
        ).all()
        states = dict(
            (await conn.execute(sa.select(d.c.state, sa.func.count()).group_by(d.c.state))).all()
        )
        dead = (
            await conn.execute(
                sa.select(d.c.plugin, d.c.hook, d.c.error_kind, d.c.last_error)
                .where(d.c.state == "dead")
                .limit(5)
            )
        ).all()
    zoom_meetings = (await control(control_url, "GET", "/state/meetings"))["meetings"]
    verdict.figures["zoom_meetings"] = len(zoom_meetings)
    verdict.check(
        len(zoom_meetings) == 2, f"Zoom holds {len(zoom_meetings)} meetings/webinars, not 2"
    )
    verdict.figures["deliveries"] = states
    verdict.check(states.get("dead", 0) == 0, f"dead deliveries: {[tuple(x) for x in dead]}")
    verdict.check(states.get("pending", 0) + states.get("running", 0) == 0, f"unfinished: {states}")
    by_event = {row.event_id: row for row in meetings}
    for event_id in (WEBINAR, MEETING):
        meeting = by_event.get(event_id)
        verdict.check(meeting is not None and meeting.meeting_id, f"{event_id}: no meeting")
        if meeting is None or not meeting.meeting_id:
            continue
        registrants = await _registrants(control_url, meeting.meeting_id)
        extra = (extra_refunds or {}).get(event_id, set())
        _judge_event(verdict, plan, event_id, registrants, ledger, extra)
    return verdict


async def _registrants(control_url: str, meeting_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=control_url, timeout=60) as client:
        response = await client.get("/state/registrants", params={"meeting_id": meeting_id})
    response.raise_for_status()
    return response.json()["registrants"]


def _judge_event(
    verdict: Verdict,
    plan: LoadPlan,
    event_id: str,
    registrants: list[dict[str, Any]],
    ledger: list[Any],
    extra_refunds: set[str],
) -> None:
    sold = set(plan.ticket_ids(event_id))
    refunded = plan.refunded(event_id) | extra_refunds
    active = sold - refunded
    by_email: dict[str, list[dict[str, Any]]] = {}
    for item in registrants:
        by_email.setdefault(item["email"].lower(), []).append(item)
    approved = {e: v for e, v in by_email.items() if any(x["status"] == "approved" for x in v)}
    duplicates = {e: len(v) for e, v in by_email.items() if len(v) > 1}
    ids = [x["id"] for x in registrants]
    expected_active = {email_of(t) for t in active}
    expected_refunded = {email_of(t) for t in refunded}
    prefix = f"{event_id}:"
    verdict.figures[event_id] = {
        "tickets": len(sold),
        "refunded": len(refunded),
        "zoom_registrants": len(registrants),
        "zoom_approved": len(approved),
        "zoom_cancelled": sum(1 for x in registrants if x["status"] == "cancelled"),
    }
    verdict.check(not duplicates, f"{prefix} emails registered more than once: {duplicates}")
    verdict.check(len(ids) == len(set(ids)), f"{prefix} duplicate registrant ids on Zoom")
    verdict.check(
        set(approved) == expected_active,
        f"{prefix} approved on Zoom differs from the sold, unrefunded tickets: "
        f"missing {len(expected_active - set(approved))} "
        f"(e.g. {sorted(expected_active - set(approved))[:3]}), "
        f"extra {len(set(approved) - expected_active)} "
        f"(e.g. {sorted(set(approved) - expected_active)[:3]})",
    )
    still_active = [
        e for e in expected_refunded if e in by_email and by_email[e][0]["status"] != "cancelled"
    ]
    verdict.check(not still_active, f"{prefix} refunds not applied on Zoom: {still_active[:5]}")
    strangers = set(by_email) - expected_active - expected_refunded
    verdict.check(not strangers, f"{prefix} registrants for no ticket: {sorted(strangers)[:5]}")

    rows = {row.ticket_id: row for row in ledger if row.event_id == event_id}
    zoom_id = {e: v[0]["id"] for e, v in by_email.items()}
    wrong_ledger = [
        t
        for t in active
        if t not in rows
        or rows[t].status != "registered"
        or rows[t].registrant_id != zoom_id.get(email_of(t))
    ]
    verdict.check(
        not wrong_ledger,
        f"{prefix} {len(wrong_ledger)} active tickets whose ledger row is not 'registered' "
        f"with Zoom's registrant id, e.g. "
        f"{[(t, rows[t].status if t in rows else None) for t in sorted(wrong_ledger)[:3]]}",
    )
    not_cancelled = [t for t in refunded if t in rows and rows[t].status != "cancelled"]
    verdict.check(not not_cancelled, f"{prefix} refunded tickets not cancelled in the ledger")


async def pending_in_ledger(db: Database) -> dict[str, set[str]]:
    """Tickets whose registration call may be at Zoom (ledger row ``pending``), per event."""
    r = zoom_tables.registrants
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(r.c.event_id, r.c.ticket_id).where(r.c.status == "pending")
            )
        ).all()
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row.event_id, set()).add(row.ticket_id)
    return found


def fault_rules(seed: int = 7) -> dict[str, Any]:
    """The brief's mix on every Zoom route: 10 % 5xx, 5 % per-second 429, 2 % connection
    resets, and latency spikes (up to 250 ms on every call, 1 % of calls stalled 2 s and
    then dropped)."""
    return {
        "seed": seed,
        "rules": [
            {
                "route": "*",
                "error_rate": 0.10,
                "error_status": 503,
                "rate_limit_rate": 0.05,
                "reset_rate": 0.02,
                "timeout_rate": 0.01,
                "timeout_seconds": 2.0,
                "latency_ms": 0,
                "latency_jitter_ms": 250,
            }
        ],
    }


async def claim_query_seconds(db: Database) -> float:
    """How long the workers' claim query takes on the current backlog (read only)."""
    from hub.pipeline.claims import _blocked
    from hub.pipeline.facts import utcnow

    d = tables.deliveries
    query = (
        sa.select(d.c.id)
        .where(d.c.state == "pending", d.c.due_at <= utcnow(), ~_blocked())
        .order_by(d.c.due_at, d.c.id)
        .limit(64)
    )
    started = time.monotonic()
    async with db.connect() as conn:
        await conn.execute(query)
    return time.monotonic() - started
