"""Attendance after the fact: report and past-meeting participants, past polls and Q&A.

Zoom serves these only once the meeting has ended (404/3001 before that), so the caller
treats :class:`ZoomNotFound` here as "not yet" for a recent meeting. Participant listings
are always read to the last page: a truncated list would mark real attendees as no-shows.
"""

from __future__ import annotations

from typing import cast

from hub_zoom.api.endpoints._base import EndpointsBase, query
from hub_zoom.api.paths import encode_uuid
from hub_zoom.api.types import Participant, PastQuestions


class ReportEndpoints(EndpointsBase):
    async def report_meeting_participants(self, meeting_id: int | str) -> list[Participant]:
        """``GET /report/meetings/{id}/participants?include_fields=registrant_id`` (HEAVY).

        ``meeting_id`` is the numeric id (latest instance) or an instance UUID.
        """
        items = await self.collect(
            f"/report/meetings/{encode_uuid(meeting_id)}/participants",
            "participants",
            query(include_fields="registrant_id"),
            category="heavy",
        )
        return cast(list[Participant], items)

    async def report_webinar_participants(self, webinar_id: int | str) -> list[Participant]:
        """``GET /report/webinars/{id}/participants?include_fields=registrant_id`` (HEAVY)."""
        items = await self.collect(
            f"/report/webinars/{encode_uuid(webinar_id)}/participants",
            "participants",
            query(include_fields="registrant_id"),
            category="heavy",
        )
        return cast(list[Participant], items)

    async def past_meeting_participants(self, meeting_uuid: int | str) -> list[Participant]:
        """``GET /past_meetings/{uuid}/participants`` (MEDIUM), all pages."""
        items = await self.collect(
            f"/past_meetings/{encode_uuid(meeting_uuid)}/participants",
            "participants",
            category="medium",
        )
        return cast(list[Participant], items)

    async def past_webinar_participants(self, webinar_uuid: int | str) -> list[Participant]:
        """``GET /past_webinars/{uuid}/participants`` (MEDIUM), all pages."""
        items = await self.collect(
            f"/past_webinars/{encode_uuid(webinar_uuid)}/participants",
            "participants",
            category="medium",
        )
        return cast(list[Participant], items)

    async def past_webinar_polls(self, webinar_id: int | str) -> PastQuestions:
        """``GET /past_webinars/{webinarId}/polls`` (MEDIUM): answers per attendee."""
        result = await self.request(
            "GET", f"/past_webinars/{encode_uuid(webinar_id)}/polls", category="medium"
        )
        return cast(PastQuestions, result)

    async def past_webinar_qa(self, webinar_id: int | str) -> PastQuestions:
        """``GET /past_webinars/{webinarId}/qa`` (MEDIUM): questions per attendee."""
        result = await self.request(
            "GET", f"/past_webinars/{encode_uuid(webinar_id)}/qa", category="medium"
        )
        return cast(PastQuestions, result)

    async def past_meeting_details(self, meeting_uuid: int | str) -> dict[str, object]:
        """``GET /past_meetings/{uuid}`` (LIGHT): start/end time, duration, participant count."""
        result = await self.request(
            "GET", f"/past_meetings/{encode_uuid(meeting_uuid)}", category="light"
        )
        return cast(dict[str, object], result)
