"""The ticketing side of the demo: events, ticket sales and refunds posted over HTTP with
an API key, exactly as a ticketing platform would post them."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

FIRST = [
    "Ana",
    "Ion",
    "Maria",
    "Andrei",
    "Elena",
    "Mihai",
    "Ioana",
    "Radu",
    "Sofia",
    "Luca",
    "Emma",
    "Noah",
    "Olivia",
    "Liam",
    "Mia",
    "Lucas",
    "Zoe",
    "Adam",
    "Clara",
    "Hugo",
]
LAST = [
    "Popescu",
    "Ionescu",
    "Stan",
    "Dumitru",
    "Smith",
    "Garcia",
    "Muller",
    "Rossi",
    "Novak",
    "Kowalski",
    "Silva",
    "Dubois",
    "Jensen",
    "Costa",
    "Nagy",
    "Horvat",
]


def event_body(
    event_id: str, title: str, capacity: int, fmt: str, minutes: int, starts_in_days: int
) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=starts_in_days)).replace(
        minute=0, second=0, microsecond=0
    )
    return {
        "id": event_id,
        "title": title,
        "description": "A virtual event run by hub demo.",
        "starts_at": start.isoformat(),
        "duration_minutes": minutes,
        "timezone": "Europe/Bucharest",
        "capacity": capacity,
        "format": fmt,
    }


def tickets_for(event_id: str, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    tickets = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        tickets.append(
            {
                "id": f"{event_id}-t{n:05d}",
                "event_id": event_id,
                "email": f"{first}.{last}.{n}@attendees.example.com".lower(),
                "first_name": first,
                "last_name": last,
                "org": rng.choice(["Acme", "Globex", "Initech", None]),
            }
        )
    return tickets


async def post_all(
    client: httpx.AsyncClient,
    path: str,
    bodies: list[dict[str, Any]],
    progress: Any = None,
    concurrency: int = 16,
) -> list[str]:
    """POST each body, retrying on network errors and 5xx like a real platform; returns
    the statuses the hub answered (accepted, duplicate, ...)."""
    sem = asyncio.Semaphore(concurrency)
    statuses: list[str] = []

    async def one(body: dict[str, Any]) -> None:
        async with sem:
            for attempt in range(8):
                try:
                    response = await client.post(path, json=body)
                except httpx.HTTPError:
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                if response.status_code >= 500:
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                if response.status_code != 202:
                    raise RuntimeError(f"{path} refused {body.get('id')}: {response.text}")
                statuses.append(response.json()["status"])
                break
            else:
                raise RuntimeError(f"{path}: no answer for {body.get('id')}")
            if progress is not None:
                progress()

    await asyncio.gather(*(one(b) for b in bodies))
    return statuses
