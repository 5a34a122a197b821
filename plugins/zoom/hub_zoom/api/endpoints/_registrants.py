"""Registrant calls shared by meetings and webinars (same paths under two prefixes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

from hub_zoom.api.endpoints._base import EndpointsBase, check_action, check_batch, query
from hub_zoom.api.paths import segment
from hub_zoom.api.types import (
    BatchRegistrant,
    Registrant,
    RegistrantCreated,
    RegistrantInput,
    RegistrantRef,
)

Kind = Literal["meetings", "webinars"]


class RegistrantOps(EndpointsBase):
    async def _add_registrant(
        self,
        kind: Kind,
        object_id: int | str,
        registrant: RegistrantInput | Mapping[str, Any],
        occurrence_ids: Sequence[str] | None,
    ) -> RegistrantCreated:
        # LIGHT. Safe to repeat: Zoom answers a second registration of the same email with
        # the existing registrant (it counts towards the 3/day per-registrant limit).
        result = await self.request(
            "POST",
            f"/{kind}/{segment(object_id)}/registrants",
            params=query(occurrence_ids=occurrence_ids),
            json=dict(registrant),
            category="light",
            idempotent=True,
        )
        return cast(RegistrantCreated, result)

    async def _batch_registrants(
        self,
        kind: Kind,
        object_id: int | str,
        registrants: Sequence[RegistrantInput | Mapping[str, Any]],
        auto_approve: bool | None,
        registrants_confirmation_email: bool | None,
    ) -> list[BatchRegistrant]:
        check_batch(registrants)
        body: dict[str, Any] = {"registrants": [dict(r) for r in registrants]}
        if auto_approve is not None:
            body["auto_approve"] = auto_approve
        if registrants_confirmation_email is not None:
            body["registrants_confirmation_email"] = registrants_confirmation_email
        result = await self.request(
            "POST",
            f"/{kind}/{segment(object_id)}/batch_registrants",
            json=body,
            category="heavy",
            idempotent=True,
        )
        return cast(list[BatchRegistrant], (result or {}).get("registrants", []))

    async def _update_registrant_status(
        self,
        kind: Kind,
        object_id: int | str,
        action: str,
        registrants: Sequence[RegistrantRef | Mapping[str, Any]],
        occurrence_id: str | None,
    ) -> None:
        check_action(action)
        if not registrants:
            raise ValueError("update_registrant_status needs at least one registrant")
        await self.request(
            "PUT",
            f"/{kind}/{segment(object_id)}/registrants/status",
            params=query(occurrence_id=occurrence_id),
            json={"action": action, "registrants": [dict(r) for r in registrants]},
            category="medium",
        )

    async def _list_registrants(
        self,
        kind: Kind,
        object_id: int | str,
        status: str | None,
        occurrence_id: str | None,
    ) -> list[Registrant]:
        items = await self.collect(
            f"/{kind}/{segment(object_id)}/registrants",
            "registrants",
            query(status=status, occurrence_id=occurrence_id),
            category="medium",
        )
        return cast(list[Registrant], items)

    async def _get_registrant(
        self, kind: Kind, object_id: int | str, registrant_id: str
    ) -> Registrant:
        result = await self.request(
            "GET",
            f"/{kind}/{segment(object_id)}/registrants/{segment(registrant_id)}",
            category="light",
        )
        return cast(Registrant, result)

    async def _delete_registrant(
        self, kind: Kind, object_id: int | str, registrant_id: str, occurrence_id: str | None
    ) -> None:
        await self.request(
            "DELETE",
            f"/{kind}/{segment(object_id)}/registrants/{segment(registrant_id)}",
            params=query(occurrence_id=occurrence_id),
            category="light",
        )
