"""Meetings, their registrants and polls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from hub_zoom.api.endpoints._base import query
from hub_zoom.api.endpoints._registrants import RegistrantOps
from hub_zoom.api.paths import segment
from hub_zoom.api.types import (
    BatchRegistrant,
    Meeting,
    Poll,
    Registrant,
    RegistrantAction,
    RegistrantCreated,
    RegistrantInput,
    RegistrantRef,
    RegistrantStatus,
)


class MeetingEndpoints(RegistrantOps):
    async def create_meeting(self, user_id: str, body: Mapping[str, Any]) -> Meeting:
        """``POST /users/{userId}/meetings`` (MEDIUM; 100 create+update per host per day).

        Not repeated after an ambiguous failure: a retry could create a second meeting.
        A :class:`ZoomUnavailable` with ``outcome_unknown`` tells the caller to look first.
        """
        result = await self.request(
            "POST",
            f"/users/{segment(user_id)}/meetings",
            json=dict(body),
            category="medium",
            idempotent=False,
        )
        return cast(Meeting, result)

    async def get_meeting(
        self,
        meeting_id: int | str,
        *,
        occurrence_id: str | None = None,
        show_previous_occurrences: bool | None = None,
    ) -> Meeting:
        """``GET /meetings/{meetingId}`` (LIGHT)."""
        result = await self.request(
            "GET",
            f"/meetings/{segment(meeting_id)}",
            params=query(
                occurrence_id=occurrence_id, show_previous_occurrences=show_previous_occurrences
            ),
            category="light",
        )
        return cast(Meeting, result)

    async def update_meeting(
        self, meeting_id: int | str, body: Mapping[str, Any], *, occurrence_id: str | None = None
    ) -> None:
        """``PATCH /meetings/{meetingId}`` (LIGHT; answers 204). Safe to repeat."""
        await self.request(
            "PATCH",
            f"/meetings/{segment(meeting_id)}",
            params=query(occurrence_id=occurrence_id),
            json=dict(body),
            category="light",
        )

    async def delete_meeting(
        self,
        meeting_id: int | str,
        *,
        occurrence_id: str | None = None,
        schedule_for_reminder: bool | None = None,
        cancel_meeting_reminder: bool | None = None,
    ) -> None:
        """``DELETE /meetings/{meetingId}`` (LIGHT; 204).

        ``cancel_meeting_reminder`` makes Zoom email registrants that the meeting is
        cancelled; ``schedule_for_reminder`` notifies the host it was scheduled for.
        """
        await self.request(
            "DELETE",
            f"/meetings/{segment(meeting_id)}",
            params=query(
                occurrence_id=occurrence_id,
                schedule_for_reminder=schedule_for_reminder,
                cancel_meeting_reminder=cancel_meeting_reminder,
            ),
            category="light",
        )

    # --- registrants ---------------------------------------------------------------------

    async def add_registrant(
        self,
        meeting_id: int | str,
        registrant: RegistrantInput | Mapping[str, Any],
        *,
        occurrence_ids: Sequence[str] | None = None,
    ) -> RegistrantCreated:
        """``POST /meetings/{meetingId}/registrants`` (LIGHT; 3/day per registrant)."""
        return await self._add_registrant("meetings", meeting_id, registrant, occurrence_ids)

    async def batch_registrants(
        self,
        meeting_id: int | str,
        registrants: Sequence[RegistrantInput | Mapping[str, Any]],
        *,
        auto_approve: bool | None = None,
        registrants_confirmation_email: bool | None = None,
    ) -> list[BatchRegistrant]:
        """``POST /meetings/{meetingId}/batch_registrants`` (HEAVY), at most 30 per call."""
        return await self._batch_registrants(
            "meetings", meeting_id, registrants, auto_approve, registrants_confirmation_email
        )

    async def update_registrant_status(
        self,
        meeting_id: int | str,
        action: RegistrantAction,
        registrants: Sequence[RegistrantRef | Mapping[str, Any]],
        *,
        occurrence_id: str | None = None,
    ) -> None:
        """``PUT /meetings/{meetingId}/registrants/status`` (MEDIUM; 204).

        ``action`` is ``cancel`` (removes a registration: the hub's refund path),
        ``approve`` or ``deny``; ``registrants`` are ``{"id": ..., "email": ...}``.
        """
        await self._update_registrant_status(
            "meetings", meeting_id, action, registrants, occurrence_id
        )

    async def list_registrants(
        self,
        meeting_id: int | str,
        *,
        status: RegistrantStatus | None = None,
        occurrence_id: str | None = None,
    ) -> list[Registrant]:
        """Every registrant (all pages) of a meeting; ``status`` defaults to approved on Zoom."""
        return await self._list_registrants("meetings", meeting_id, status, occurrence_id)

    async def get_registrant(self, meeting_id: int | str, registrant_id: str) -> Registrant:
        """``GET /meetings/{meetingId}/registrants/{registrantId}`` (LIGHT)."""
        return await self._get_registrant("meetings", meeting_id, registrant_id)

    async def delete_registrant(
        self, meeting_id: int | str, registrant_id: str, *, occurrence_id: str | None = None
    ) -> None:
        """``DELETE /meetings/{meetingId}/registrants/{registrantId}`` (LIGHT; 204)."""
        await self._delete_registrant("meetings", meeting_id, registrant_id, occurrence_id)

    # --- polls ---------------------------------------------------------------------------

    async def create_meeting_poll(self, meeting_id: int | str, poll: Mapping[str, Any]) -> Poll:
        """``POST /meetings/{meetingId}/polls`` (LIGHT; 201). Not repeated when ambiguous."""
        result = await self.request(
            "POST",
            f"/meetings/{segment(meeting_id)}/polls",
            json=dict(poll),
            category="light",
            idempotent=False,
        )
        return cast(Poll, result)

    async def list_meeting_polls(self, meeting_id: int | str) -> list[Poll]:
        """``GET /meetings/{meetingId}/polls`` (LIGHT; not paginated)."""
        result = await self.request(
            "GET", f"/meetings/{segment(meeting_id)}/polls", category="light"
        )
        return cast(list[Poll], (result or {}).get("polls", []))

    async def delete_meeting_poll(self, meeting_id: int | str, poll_id: str) -> None:
        """``DELETE /meetings/{meetingId}/polls/{pollId}`` (LIGHT; 204)."""
        await self.request(
            "DELETE",
            f"/meetings/{segment(meeting_id)}/polls/{segment(poll_id)}",
            category="light",
        )
