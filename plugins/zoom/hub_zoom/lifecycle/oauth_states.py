"""``zoom_oauth_states``: the CSRF ``state`` of user authorizations, single-use and brief.

Only a SHA-256 of the state is stored (a database reader cannot forge a callback) and
the PKCE verifier is sealed with the hub's secret box. Consuming a state is one UPDATE
guarded by "unused and unexpired", so two callbacks racing with the same state cannot
both win.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from hub.context import HubContext
from hub_zoom.storage import tables

STATE_TTL_SECONDS = 600.0
MAX_OUTSTANDING = 100  # an unauthenticated authorize link must not fill the table
t = tables.oauth_states


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


@dataclass(frozen=True)
class ConsumedState:
    verifier: str
    return_to: str | None  # an /admin path when the admin page started the authorization


async def remember(
    hub: HubContext, state: str, verifier: str, return_to: str | None = None
) -> None:
    now = time.time()
    async with hub.db.transaction() as conn:
        await conn.execute(delete(t).where((t.c.expires_at < now) | (t.c.used_at.is_not(None))))
        outstanding = (
            await conn.execute(select(t.c.state_hash).order_by(t.c.expires_at.desc()))
        ).all()
        stale = [r.state_hash for r in outstanding[MAX_OUTSTANDING - 1 :]]
        if stale:
            await conn.execute(delete(t).where(t.c.state_hash.in_(stale)))
        await conn.execute(
            insert(t).values(
                state_hash=state_hash(state),
                verifier_sealed=hub.secret_box.seal(verifier),
                expires_at=now + STATE_TTL_SECONDS,
                used_at=None,
                return_to=return_to,
            )
        )


async def return_path(hub: HubContext, state: str) -> str | None:
    """Where a valid, unused state sends the browser back to (without using it up)."""
    now = time.time()
    async with hub.db.connect() as conn:
        return (
            await conn.execute(
                select(t.c.return_to).where(
                    t.c.state_hash == state_hash(state), t.c.used_at.is_(None), t.c.expires_at > now
                )
            )
        ).scalar()


async def consume(hub: HubContext, state: str) -> str | None:
    """The PKCE verifier of a valid state, which is used up; None if unknown, used or expired."""
    consumed = await consume_state(hub, state)
    return consumed.verifier if consumed else None


async def consume_state(hub: HubContext, state: str) -> ConsumedState | None:
    """Use up a valid state: its verifier and return path; None if unknown, used or expired."""
    key = state_hash(state)
    now = time.time()
    async with hub.db.transaction() as conn:
        claimed = await conn.execute(
            update(t)
            .where(t.c.state_hash == key, t.c.used_at.is_(None), t.c.expires_at > now)
            .values(used_at=now)
        )
        if claimed.rowcount != 1:
            return None
        row = (
            await conn.execute(
                select(t.c.verifier_sealed, t.c.return_to).where(t.c.state_hash == key)
            )
        ).first()
    if row is None or not row.verifier_sealed:
        return None
    return ConsumedState(hub.secret_box.open(row.verifier_sealed), row.return_to)
