"""Webinars, their registrants, panelists and polls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from hub_zoom.api.endpoints._base import query
from hub_zoom.api.endpoints._registrants import RegistrantOps
from hub_zoom.api.paths import segment
from hub_zoom.api.types import (
    BatchRegistrant,
    Panelist,
    Poll,
    Registrant,
    RegistrantAction,
    RegistrantCreated,
    RegistrantInput,
    RegistrantRef,
    RegistrantStatus,
    Webinar,
)


class WebinarEndpoints(RegistrantOps):
    async def create_webinar(self, user_id: str, body: Mapping[str, Any]) -> Webinar:
        """``POST /users/{userId}/webinars`` (LIGHT; needs the webinar add-on: 400/200 else).

        Not repeated after an ambiguous failure (a retry could create a duplicate).
        """
        result = await self.request(
            "POST",
            f"/users/{segment(user_id)}/webinars",
            json=dict(body),
            category="light",
            idempotent=False,
        )
        return cast(Webinar, result)

    async def get_webinar(
        self,
        webinar_id: int | str,
        *,
        occurrence_id: str | None = None,
        show_previous_occurrences: bool | None = None,
    ) -> Webinar:
        """``GET /webinars/{webinarId}`` (LIGHT)."""
        result = await self.request(
            "GET",
            f"/webinars/{segment(webinar_id)}",
            params=query(
                occurrence_id=occurrence_id, show_previous_occurrences=show_previous_occurrences
            ),
            category="light",
        )
        return cast(Webinar, result)

    async def update_webinar(
        self, webinar_id: int | str, body: Mapping[str, Any], *, occurrence_id: str | None = None
    ) -> None:
        """``PATCH /webinars/{webinarId}`` (LIGHT; 204)."""
        await self.request(
            "PATCH",
            f"/webinars/{segment(webinar_id)}",
            params=query(occurrence_id=occurrence_id),
            json=dict(body),
            category="light",
        )

    async def delete_webinar(
        self,
        webinar_id: int | str,
        *,
        occurrence_id: str | None = None,
        cancel_webinar_reminder: bool | None = None,
    ) -> None:
        """``DELETE /webinars/{webinarId}`` (LIGHT; 204)."""
        await self.request(
            "DELETE",
            f"/webinars/{segment(webinar_id)}",
            params=query(
                occurrence_id=occurrence_id, cancel_webinar_reminder=cancel_webinar_reminder
            ),
            category="light",
        )

    # --- registrants ---------------------------------------------------------------------

    async def add_webinar_registrant(
        self,
        webinar_id: int | str,
        registrant: RegistrantInput | Mapping[str, Any],
        *,
        occurrence_ids: Sequence[str] | None = None,
    ) -> RegistrantCreated:
        """``POST /webinars/{webinarId}/registrants`` (LIGHT; 3/day per registrant)."""
        return await self._add_registrant("webinars", webinar_id, registrant, occurrence_ids)

    async def batch_webinar_registrants(
        self,
        webinar_id: int | str,
        registrants: Sequence[RegistrantInput | Mapping[str, Any]],
        *,
        auto_approve: bool | None = None,
        registrants_confirmation_email: bool | None = None,
    ) -> list[BatchRegistrant]:
        """``POST /webinars/{webinarId}/batch_registrants`` (HEAVY), at most 30 per call."""
        return await self._batch_registrants(
            "webinars", webinar_id, registrants, auto_approve, registrants_confirmation_email
        )

    async def update_webinar_registrant_status(
        self,
        webinar_id: int | str,
        action: RegistrantAction,
        registrants: Sequence[RegistrantRef | Mapping[str, Any]],
        *,
        occurrence_id: str | None = None,
    ) -> None:
        """``PUT /webinars/{webinarId}/registrants/status`` (MEDIUM; 204)."""
        await self._update_registrant_status(
            "webinars", webinar_id, action, registrants, occurrence_id
        )

    async def list_webinar_registrants(
        self,
        webinar_id: int | str,
        *,
        status: RegistrantStatus | None = None,
        occurrence_id: str | None = None,
    ) -> list[Registrant]:
        """Every registrant (all pages) of a webinar."""
        return await self._list_registrants("webinars", webinar_id, status, occurrence_id)

    async def get_webinar_registrant(self, webinar_id: int | str, registrant_id: str) -> Registrant:
        """``GET /webinars/{webinarId}/registrants/{registrantId}`` (LIGHT)."""
        return await self._get_registrant("webinars", webinar_id, registrant_id)

    async def delete_webinar_registrant(
        self, webinar_id: int | str, registrant_id: str, *, occurrence_id: str | None = None
    ) -> None:
        """``DELETE /webinars/{webinarId}/registrants/{registrantId}`` (LIGHT; 204)."""
        await self._delete_registrant("webinars", webinar_id, registrant_id, occurrence_id)

    # --- panelists -----------------------------------------------------------------------

    async def add_panelists(
        self, webinar_id: int | str, panelists: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        """``POST /webinars/{webinarId}/panelists`` (MEDIUM; 201 ``{id, updated_at}``).

        Panelists are keyed by email on Zoom, so repeating the call is harmless.
        """
        if not panelists:
            raise ValueError("add_panelists needs at least one panelist")
        result = await self.request(
            "POST",
            f"/webinars/{segment(webinar_id)}/panelists",
            json={"panelists": [dict(p) for p in panelists]},
            category="medium",
            idempotent=True,
        )
        return cast(dict[str, Any], result or {})

    async def list_panelists(self, webinar_id: int | str) -> list[Panelist]:
        """``GET /webinars/{webinarId}/panelists`` (MEDIUM; one page with every panelist)."""
        result = await self.request(
            "GET", f"/webinars/{segment(webinar_id)}/panelists", category="medium"
        )
        return cast(list[Panelist], (result or {}).get("panelists", []))

    async def remove_panelist(self, webinar_id: int | str, panelist_id: str) -> None:
        """``DELETE /webinars/{webinarId}/panelists/{panelistId}`` (LIGHT; 204)."""
        await self.request(
            "DELETE",
            f"/webinars/{segment(webinar_id)}/panelists/{segment(panelist_id)}",
            category="light",
        )

    async def remove_all_panelists(self, webinar_id: int | str) -> None:
        """``DELETE /webinars/{webinarId}/panelists`` (LIGHT; 204)."""
        await self.request("DELETE", f"/webinars/{segment(webinar_id)}/panelists", category="light")

    # --- polls ---------------------------------------------------------------------------

    async def create_webinar_poll(self, webinar_id: int | str, poll: Mapping[str, Any]) -> Poll:
        """``POST /webinars/{webinarId}/polls`` (LIGHT; 201). Not repeated when ambiguous."""
        result = await self.request(
            "POST",
            f"/webinars/{segment(webinar_id)}/polls",
            json=dict(poll),
            category="light",
            idempotent=False,
        )
        return cast(Poll, result)

    async def list_webinar_polls(self, webinar_id: int | str) -> list[Poll]:
        """``GET /webinars/{webinarId}/polls`` (LIGHT)."""
        result = await self.request(
            "GET", f"/webinars/{segment(webinar_id)}/polls", category="light"
        )
        return cast(list[Poll], (result or {}).get("polls", []))

    async def delete_webinar_poll(self, webinar_id: int | str, poll_id: str) -> None:
        """``DELETE /webinars/{webinarId}/polls/{pollId}`` (LIGHT; 204)."""
        await self.request(
            "DELETE",
            f"/webinars/{segment(webinar_id)}/polls/{segment(poll_id)}",
            category="light",
        )
