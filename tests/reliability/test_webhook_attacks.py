"""Attacks on ``POST /webhooks/zoom``: every forged, stale, altered or malformed delivery is
refused, every replay of a genuine one is acknowledged without effect.

The receiver is the hub's only unauthenticated write path (Zoom signs, it sends no API key),
so the proof counts what each attack achieved in the whole database, not only in the tables
the receiver is known to write: after each attack the worker drains and every table is
compared with the snapshot taken before it. One genuine delivery runs first and must have
an effect, which shows the measure can see one.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from hub_zoom.settings import DEFAULT_WEBHOOK_TOLERANCE_SECONDS
from hub_zoom.webhooks.verify import FUTURE_SKEW_SECONDS, signature

from tests.reliability.support import dbstate
from tests.reliability.support.report import emit
from tests.zoom.conftest import WEBHOOK_SECRET, ZoomHub, publish_with_tickets, zoom_hub

OTHER_ACCOUNT = "acct-other"
OTHER_SECRET = "webhook-secret-of-the-other-account"
MAX_BODY = 64 * 1024


@dataclass
class Attempt:
    body: bytes
    headers: dict[str, str]
    chunked: bool = False


@dataclass
class Outcome:
    attack: str
    attempts: int = 0
    refused: int = 0
    accepted: int = 0
    effects: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    leaked_token: bool = False
    answers: dict[str, int] = field(default_factory=dict)


def headers_for(body: bytes, secret: str = WEBHOOK_SECRET, ts: int | str | None = None) -> dict:
    stamp = str(int(time.time()) if ts is None else ts)
    return {
        "content-type": "application/json",
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": signature(secret, stamp, body),
    }


def joined(meeting_id: str, registrant_id: str, account: str = "emuAccount1", **extra: Any) -> dict:
    """A ``meeting.participant_joined`` for the hub's meeting: genuine, it records a join."""
    return {
        "event": "meeting.participant_joined",
        "event_ts": int(time.time() * 1000),
        "payload": {
            "account_id": account,
            "object": {
                "id": meeting_id,
                "uuid": "attack-instance==",
                "host_id": "host",
                "topic": "Summer Workshop",
                "type": 2,
                "participant": {
                    "user_id": "16778240",
                    "user_name": "Ion Popescu",
                    "participant_uuid": "P-ATTACK-1",
                    "join_time": "2030-07-15T11:01:00Z",
                    "email": "t-0@example.com",
                    "registrant_id": registrant_id,
                    **extra,
                },
            },
        },
    }


def compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def attacks(genuine: dict, meeting_id: str, registrant_id: str) -> dict[str, list[Attempt]]:
    """Every attack, as the exact requests sent; built before any is sent."""
    now = int(time.time())
    body = compact(genuine)
    other = compact(joined(meeting_id, registrant_id, participant_uuid="P-ATTACK-2"))
    tolerance = DEFAULT_WEBHOOK_TOLERANCE_SECONDS

    def forged() -> Iterator[Attempt]:
        for _ in range(20):
            h = headers_for(other)
            h["x-zm-signature"] = "v0=" + secrets.token_hex(32)
            yield Attempt(other, h)

    def wrong_secret() -> Iterator[Attempt]:
        for secret in (
            "",
            "guessed",
            WEBHOOK_SECRET.upper(),
            WEBHOOK_SECRET + " ",
            "emuClientSecret",  # the app's client secret is not its webhook secret
            "emulator-verification-token",  # nor is the legacy verification token
            OTHER_SECRET,  # another account's secret, for this account's event
            "test-api-key-0123456789",
        ):
            yield Attempt(other, headers_for(other, secret=secret))

    def malformed_headers() -> Iterator[Attempt]:
        good = headers_for(other)
        yield Attempt(other, {"content-type": "application/json"})
        yield Attempt(other, {k: v for k, v in good.items() if k != "x-zm-signature"})
        yield Attempt(other, {k: v for k, v in good.items() if k != "x-zm-request-timestamp"})
        yield Attempt(other, {**good, "x-zm-signature": good["x-zm-signature"][3:]})
        yield Attempt(other, {**good, "x-zm-signature": "v1=" + good["x-zm-signature"][3:]})
        yield Attempt(other, {**good, "x-zm-signature": good["x-zm-signature"].upper()})
        yield Attempt(other, {**good, "x-zm-signature": ""})
        yield Attempt(other, {**good, "x-zm-request-timestamp": "soon"})
        # Signed over the timestamp it claims, but not a number of seconds.
        for stamp in (f"{now}.5", f"-{now}", f"+{now}", f"0x{now:x}", f"{now * 1000}0"):
            yield Attempt(other, headers_for(other, ts=stamp))

    def stale() -> Iterator[Attempt]:
        for age in (tolerance + 1, tolerance + 60, 86_400, 30 * 86_400, now):
            yield Attempt(other, headers_for(other, ts=now - age))

    def future() -> Iterator[Attempt]:
        for ahead in (FUTURE_SKEW_SECONDS + 5, 3_600, 86_400, 10 * 365 * 86_400):
            yield Attempt(other, headers_for(other, ts=now + ahead))
        yield Attempt(other, headers_for(other, ts=now * 1000))  # milliseconds, not seconds

    def altered() -> Iterator[Attempt]:
        h = headers_for(other)
        changed = joined(meeting_id, registrant_id, participant_uuid="P-ATTACK-2")
        changed["payload"]["object"]["participant"]["join_time"] = "2030-07-15T11:02:00Z"
        yield Attempt(compact(changed), h)
        yield Attempt(other + b" ", h)
        yield Attempt(other[:-1], h)
        yield Attempt(other.replace(b"P-ATTACK-2", b"P-ATTACK-3"), h)
        yield Attempt(other.replace(b"emuAccount1", OTHER_ACCOUNT.encode()), h)
        yield Attempt(json.dumps(json.loads(other), indent=1).encode(), h)  # same JSON, new bytes
        yield Attempt(other.replace(b'"Ion Popescu"', b'"Ion Popescu","admin":true'), h)

    def cross_account() -> Iterator[Attempt]:
        foreign = compact(joined(meeting_id, registrant_id, account=OTHER_ACCOUNT))
        yield Attempt(foreign, headers_for(foreign, secret=WEBHOOK_SECRET))
        mine = compact(joined(meeting_id, registrant_id, participant_uuid="P-ATTACK-4"))
        yield Attempt(mine, headers_for(mine, secret=OTHER_SECRET))

    def oversized() -> Iterator[Attempt]:
        big = compact(joined(meeting_id, registrant_id, user_name="x" * (MAX_BODY + 1)))
        yield Attempt(big, headers_for(big))
        yield Attempt(big, headers_for(big), chunked=True)  # no Content-Length to trust
        huge = b'{"event":"meeting.started","pad":"' + b"y" * (4 * 1024 * 1024) + b'"}'
        yield Attempt(huge, headers_for(huge), chunked=True)

    def invalid_json() -> Iterator[Attempt]:
        for raw in (
            b"",
            b"{",
            b"{not json}",
            b"null",
            b"[]",
            b'"meeting.started"',
            b"42",
            b'{"event": 42}',
            b'{"payload": {}}',
            b"\xff\xfe{}",
            b'{"event":"meeting.started","topic":"\xff"}',  # invalid UTF-8 inside a string
            b'{"event":"meeting.started","p":' + b"[" * 5000 + b"]" * 5000 + b"}",
            b'{"event":"meeting.started"}trailing',
        ):
            yield Attempt(raw, headers_for(raw))

    def url_validation_bad() -> Iterator[Attempt]:
        challenge = compact(
            {
                "event": "endpoint.url_validation",
                "event_ts": now * 1000,
                "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
            }
        )
        yield Attempt(challenge, headers_for(challenge, secret="guessed"))
        yield Attempt(challenge, headers_for(challenge, secret=""))
        h = headers_for(challenge)
        h["x-zm-signature"] = "v0=" + "0" * 64
        yield Attempt(challenge, h)
        yield Attempt(challenge, headers_for(challenge, ts=now - tolerance - 1))
        yield Attempt(challenge, {"content-type": "application/json"})
        for payload in ({}, {"plainToken": ""}, {"plainToken": 7}, {"plainToken": "z" * 257}):
            raw = compact({"event": "endpoint.url_validation", "payload": payload})
            yield Attempt(raw, headers_for(raw))  # signed, but nothing to answer

    def replays() -> Iterator[Attempt]:
        original = headers_for(body)
        for _ in range(10):
            yield Attempt(body, original)  # the captured request, byte for byte
        for _ in range(5):
            yield Attempt(body, headers_for(body))  # re-signed now (a leaked secret)
        reordered = json.dumps(genuine, sort_keys=True, indent=2).encode()
        yield Attempt(reordered, headers_for(reordered))  # same fact, other bytes

    return {
        "forged signature": list(forged()),
        "wrong secret": list(wrong_secret()),
        "missing or malformed headers": list(malformed_headers()),
        "stale timestamp": list(stale()),
        "future timestamp": list(future()),
        "body altered after signing": list(altered()),
        "another account's secret": list(cross_account()),
        "oversized body": list(oversized()),
        "invalid JSON / not an event": list(invalid_json()),
        "url_validation, bad signature or token": list(url_validation_bad()),
        "replay of a valid delivery": list(replays()),
    }


async def send(client: httpx.AsyncClient, url: str, attempt: Attempt) -> httpx.Response:
    if attempt.chunked:

        async def stream() -> AsyncIterator[bytes]:
            for i in range(0, len(attempt.body), 64 * 1024):
                yield attempt.body[i : i + 64 * 1024]

        return await client.post(url, content=stream(), headers=attempt.headers)
    return await client.post(url, content=attempt.body, headers=attempt.headers)


# The admin card's "latest receipt" per kind (url_validation, delivery, refused): one row
# each, overwritten, so an attack can only replace the latest refusal; checked apart, in
# ``receipts_after_attacks``. Heartbeats of the shared budgets change by themselves.
RECEIPTS = "zoom_webhook_receipts"
NOT_EFFECTS = (*dbstate.LIVENESS_TABLES, RECEIPTS)


async def receipts_after_attacks(zh: ZoomHub) -> dict[str, tuple[str, str | None]]:
    """The receipts table by kind: (outcome, detail)."""
    async with zh.runtime.db.connect() as conn:
        rows = (await conn.execute(sa.text(f"SELECT kind, outcome, detail FROM {RECEIPTS}"))).all()
    return {row.kind: (row.outcome, row.detail) for row in rows}


async def run_attack(
    zh: ZoomHub, client: httpx.AsyncClient, name: str, attempts: list[Attempt]
) -> Outcome:
    url = f"{zh.url}/webhooks/zoom"
    before = await dbstate.snapshot(zh.runtime.db, exclude=NOT_EFFECTS)
    outcome = Outcome(name)
    for attempt in attempts:
        try:
            response = await send(client, url, attempt)
        except httpx.TransportError:
            if not attempt.chunked:
                raise
            # The server may close the connection on an oversized stream: refused too.
            outcome.attempts += 1
            outcome.refused += 1
            outcome.statuses[0] = outcome.statuses.get(0, 0) + 1
            continue
        outcome.attempts += 1
        outcome.statuses[response.status_code] = outcome.statuses.get(response.status_code, 0) + 1
        if 400 <= response.status_code < 500:
            outcome.refused += 1
        elif response.status_code < 300:
            outcome.accepted += 1
            answer = str(response.json().get("status"))
            outcome.answers[answer] = outcome.answers.get(answer, 0) + 1
        outcome.leaked_token |= "encryptedToken" in response.text
    await zh.drain()
    after = await dbstate.snapshot(zh.runtime.db, exclude=NOT_EFFECTS)
    outcome.effects = sum(dbstate.changed_rows(before, after).values())
    return outcome


@pytest.fixture
async def attacked_hub(db_url: str) -> AsyncIterator[ZoomHub]:
    accounts = [
        {
            "account_id": OTHER_ACCOUNT,
            "client_id": "other-client",
            "client_secret": "other-client-secret",
            "webhook_secret_token": OTHER_SECRET,
        }
    ]
    async with zoom_hub(
        db_url, zoom_overrides={"accounts": accounts, "webhook_max_body_bytes": MAX_BODY}
    ) as zh:
        yield zh


async def test_webhook_attacks_are_refused_or_without_effect(
    attacked_hub: ZoomHub, record_property: Callable[[str, Any], None]
) -> None:
    zh = attacked_hub
    meeting_id, registrants = await publish_with_tickets(zh, "ev-attack", 2, format="meeting")
    zh.zoom.state.set_webhook_url(None)  # only the attacker talks to the receiver from here
    genuine = joined(meeting_id, registrants["t-0"])
    plan = attacks(genuine, meeting_id, registrants["t-0"])
    outcomes: list[Outcome] = []
    async with httpx.AsyncClient(timeout=30) as client:
        # The control: the genuine delivery, signed now, must be stored and processed.
        body = compact(genuine)
        baseline = await run_attack(
            zh, client, "genuine delivery (control)", [Attempt(body, headers_for(body))]
        )
        outcomes.append(baseline)
        for name, attempts in plan.items():
            outcomes.append(await run_attack(zh, client, name, attempts))

    rows = [
        {
            "attack": o.attack,
            "attempts": o.attempts,
            "refused": o.refused,
            "accepted": o.accepted,
            "effects": o.effects,
            "statuses": " ".join(f"{s}x{n}" for s, n in sorted(o.statuses.items())),
        }
        for o in outcomes
    ]
    attempts_total = sum(o.attempts for o in outcomes[1:])
    emit(
        "webhook attacks",
        {
            "attacks": len(plan),
            "attempts": attempts_total,
            "refused": sum(o.refused for o in outcomes[1:]),
            "accepted_without_effect": sum(o.accepted for o in outcomes[1:]),
            "effects": sum(o.effects for o in outcomes[1:]),
            "control_effects": outcomes[0].effects,
        },
        rows,
    )
    record_property("webhook_attacks", rows)

    control, *rest = outcomes
    # The measure can see an effect: the genuine delivery stored a fact, a delivery and a
    # participant row.
    assert control.accepted == 1 and control.effects >= 3, control
    assert control.answers == {"stored": 1}, control
    for outcome in rest:
        assert outcome.effects == 0, outcome
        assert not outcome.leaked_token, outcome
        if outcome.attack == "replay of a valid delivery":
            assert outcome.accepted == outcome.attempts, outcome
            assert outcome.answers == {"duplicate": outcome.attempts}, outcome
        else:
            assert outcome.refused == outcome.attempts and outcome.accepted == 0, outcome
    assert attempts_total >= 70
    # All the attacks left in the receipts: the latest refusal, one row per kind at most.
    await asyncio.sleep(1.2)  # a throttled receipt is written up to a second late
    receipts = await receipts_after_attacks(zh)
    assert set(receipts) <= {"url_validation", "delivery", "refused"}, receipts
    assert "refused" in receipts, receipts
