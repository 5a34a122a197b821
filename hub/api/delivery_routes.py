"""Deliveries: see what is pending or dead, and replay a dead letter."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from sqlalchemy import select, update

from hub.api.problems import ApiProblem
from hub.pipeline.facts import utcnow
from hub.storage import tables

STATES = ("pending", "running", "done", "dead")
MAX_ID = 2**63 - 1  # ids are 64-bit integers on both databases


class DeliveriesController(Controller):
    path = "/api/v1/deliveries"
    tags = ["deliveries"]

    @get("/")
    async def list_deliveries(
        self,
        request: Request[Any, Any, Any],
        delivery_state: Annotated[str | None, Parameter(query="state")] = None,
        plugin: str | None = None,
        event_id: str | None = None,
        limit: int = 100,
    ) -> dict[str, Any]:
        """Deliveries, newest first; ``?state=dead`` lists the dead letters."""
        state = delivery_state
        if state is not None and state not in STATES:
            raise ApiProblem(400, f"state must be one of {', '.join(STATES)}", field="state")
        if not 1 <= limit <= 1000:
            raise ApiProblem(400, "limit must be between 1 and 1000", field="limit")
        d = tables.deliveries
        query = select(d).order_by(d.c.id.desc()).limit(limit)
        if state:
            query = query.where(d.c.state == state)
        if plugin:
            query = query.where(d.c.plugin == plugin)
        if event_id:
            query = query.where(d.c.event_id == event_id)
        async with request.app.state.runtime.db.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {"deliveries": [dict(r._mapping) for r in rows]}

    @post("/{delivery_id:int}/retry", status_code=202)
    async def retry(
        self,
        request: Request[Any, Any, Any],
        delivery_id: Annotated[int, Parameter(ge=1, le=MAX_ID)],
    ) -> dict[str, Any]:
        """Replay a dead letter now, with a fresh attempt budget."""
        runtime = request.app.state.runtime
        return await replay(runtime, delivery_id)


async def replay(runtime: Any, delivery_id: int) -> dict[str, Any]:
    d = tables.deliveries
    now = utcnow()
    async with runtime.db.transaction() as conn:
        row = (await conn.execute(select(d.c.state).where(d.c.id == delivery_id))).first()
        if row is None:
            raise ApiProblem(404, f"unknown delivery {delivery_id}", field="delivery_id")
        if row.state != "dead":
            raise ApiProblem(409, f"delivery {delivery_id} is {row.state}, not dead", field="state")
        await conn.execute(
            update(d)
            .where(d.c.id == delivery_id)
            .values(state="pending", attempts=0, due_at=now, updated_at=now, finished_at=None)
        )
    runtime.worker.wake()
    return {"id": delivery_id, "state": "pending"}
