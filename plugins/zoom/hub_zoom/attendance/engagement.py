"""Webinar engagement: poll answers and Q&A questions per attendee.

Zoom keeps these per webinar instance (``past_webinars/{uuid}/polls`` and ``/qa``) grouped
by name and email. They enrich the attendance records and are optional: an account
without the feature, or a webinar without polls, simply contributes nothing, and a failure
here never holds back the attendance report itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.context import HubContext
from hub_zoom.api.errors import ZoomApiError
from hub_zoom.attendance.compute import Engagement
from hub_zoom.attendance.reconcile import InstanceData
from hub_zoom.service import service
from hub_zoom.webhooks.lookup import MeetingRef


def _people(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        return []
    items = body.get("questions")
    return [p for p in items if isinstance(p, dict)] if isinstance(items, list) else []


def add_polls(index: dict[tuple[str, str], Engagement], session_key: str, body: Any) -> None:
    for person in _people(body):
        email = str(person.get("email") or "").strip().lower()
        if not email:
            continue
        entry = index.setdefault((session_key, email), Engagement())
        for detail in person.get("question_details") or []:
            if isinstance(detail, dict):
                entry.poll_answers.append(
                    {
                        k: detail[k]
                        for k in ("polling_id", "question", "answer", "date_time")
                        if detail.get(k) is not None
                    }
                )


def add_questions(index: dict[tuple[str, str], Engagement], session_key: str, body: Any) -> None:
    for person in _people(body):
        email = str(person.get("email") or "").strip().lower()
        if not email:
            continue
        entry = index.setdefault((session_key, email), Engagement())
        for detail in person.get("question_details") or []:
            if isinstance(detail, dict) and detail.get("question"):
                entry.questions.append(str(detail["question"]))


async def fetch_engagement(
    hub: HubContext, meetings: Mapping[str, MeetingRef], instances: Iterable[InstanceData]
) -> dict[tuple[str, str], Engagement]:
    index: dict[tuple[str, str], Engagement] = {}
    for data in instances:
        meeting = meetings.get(data.session_key)
        if meeting is None or meeting.kind != "webinar":
            continue
        client = service(hub).client(meeting.connection_id)
        for fetch, add in (
            (client.past_webinar_polls, add_polls),
            (client.past_webinar_qa, add_questions),
        ):
            try:
                add(index, data.session_key, await fetch(data.uuid))
            except ZoomApiError as exc:
                hub.log.info("zoom webinar engagement unavailable", error=str(exc))
    return index
