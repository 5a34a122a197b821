"""Cloud recordings: per meeting, per user (listing in one-month windows), deletion."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from hub_zoom.api.endpoints._base import EndpointsBase, query
from hub_zoom.api.paths import encode_uuid, segment
from hub_zoom.api.types import MeetingRecordings, RecordingDeleteAction

MAX_RECORDING_WINDOW_DAYS = 30
"""Zoom accepts at most one month between ``from`` and ``to``; longer ranges are split."""


class RecordingEndpoints(EndpointsBase):
    async def get_recordings(
        self,
        meeting_id: int | str,
        *,
        include_download_token: bool = False,
        ttl: int | None = None,
    ) -> MeetingRecordings:
        """``GET /meetings/{id or uuid}/recordings`` (LIGHT); 404/3301 when there is none.

        ``include_download_token`` adds ``download_access_token`` (valid ``ttl`` seconds,
        at most 604800) so files can be fetched without the app's own token.
        """
        result = await self.request(
            "GET",
            f"/meetings/{encode_uuid(meeting_id)}/recordings",
            params=query(
                include_fields="download_access_token" if include_download_token else None,
                ttl=ttl,
            ),
            category="light",
        )
        return cast(MeetingRecordings, result)

    async def get_recording_settings(self, meeting_id: int | str) -> dict[str, Any]:
        """``GET /meetings/{id or uuid}/recordings/settings`` (LIGHT): sharing and viewing."""
        result = await self.request(
            "GET", f"/meetings/{encode_uuid(meeting_id)}/recordings/settings", category="light"
        )
        return dict(result or {})

    async def update_recording_settings(
        self, meeting_id: int | str, settings: dict[str, Any]
    ) -> None:
        """``PATCH /meetings/{id or uuid}/recordings/settings`` (LIGHT), e.g.
        ``{"share_recording": "publicly"}`` (``publicly``, ``internally`` or ``none``)."""
        await self.request(
            "PATCH",
            f"/meetings/{encode_uuid(meeting_id)}/recordings/settings",
            json=settings,
            category="light",
        )

    async def delete_recordings(
        self, meeting_id: int | str, *, action: RecordingDeleteAction = "trash"
    ) -> None:
        """``DELETE /meetings/{id or uuid}/recordings`` (LIGHT); ``trash`` keeps 30 days."""
        _check_action(action)
        await self.request(
            "DELETE",
            f"/meetings/{encode_uuid(meeting_id)}/recordings",
            params=query(action=action),
            category="light",
        )

    async def delete_recording_file(
        self,
        meeting_id: int | str,
        recording_id: str,
        *,
        action: RecordingDeleteAction = "trash",
    ) -> None:
        """``DELETE /meetings/{id or uuid}/recordings/{recordingId}`` (LIGHT)."""
        _check_action(action)
        await self.request(
            "DELETE",
            f"/meetings/{encode_uuid(meeting_id)}/recordings/{segment(recording_id)}",
            params=query(action=action),
            category="light",
        )

    async def list_user_recordings(
        self,
        user_id: str,
        *,
        from_date: date,
        to_date: date,
        trash: bool | None = None,
    ) -> list[MeetingRecordings]:
        """``GET /users/{userId}/recordings`` (MEDIUM) for every day in ``[from, to]``.

        Zoom caps one query at a month and silently narrows longer ranges, so the range is
        walked in windows of 30 days, each to its last page. Results are keyed by meeting
        UUID so an instance never appears twice.
        """
        if to_date < from_date:
            raise ValueError("to_date must not be before from_date")
        found: dict[str, MeetingRecordings] = {}
        start = from_date
        while start <= to_date:
            end = min(to_date, start + timedelta(days=MAX_RECORDING_WINDOW_DAYS - 1))
            items = await self.collect(
                f"/users/{segment(user_id)}/recordings",
                "meetings",
                query(**{"from": start.isoformat(), "to": end.isoformat()}, trash=trash),
                category="medium",
            )
            for item in items:
                key = str(item.get("uuid") or item.get("id") or len(found))
                found.setdefault(key, cast(MeetingRecordings, item))
            start = end + timedelta(days=1)
        return list(found.values())


def _check_action(action: str) -> None:
    if action not in ("trash", "delete"):
        raise ValueError(f"recording delete action must be 'trash' or 'delete', got {action!r}")
