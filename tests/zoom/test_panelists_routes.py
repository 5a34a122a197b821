"""Panelists per event: added to, listed from and removed from the event's webinar on Zoom."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import event_body


async def test_panelists_added_listed_removed(zoom_hub_factory: Callable[..., Any]) -> None:
    async with zoom_hub_factory() as h:
        await h.api.post(
            "/api/v1/events/published", json=event_body("web-1", format="webinar", capacity=5000)
        )
        await h.api.post("/api/v1/events/published", json=event_body("meet-1", format="meeting"))
        await h.drain()
        body = {
            "panelists": [
                {"name": "Dr. Ana Pop", "email": "ana@speakers.example.com"},
                {"name": "Ion Vlad", "email": "ion@speakers.example.com"},
            ]
        }
        r = await h.api.post("/api/v1/events/web-1/panelists", json=body)
        assert r.status_code == 201, r.text
        listed = (await h.api.get("/api/v1/events/web-1/panelists")).json()
        emails = {p["email"] for p in listed["webinars"][0]["panelists"]}
        assert emails == {"ana@speakers.example.com", "ion@speakers.example.com"}
        assert all(p["join_url"] for p in listed["webinars"][0]["panelists"])
        r = await h.api.delete("/api/v1/events/web-1/panelists/ana@speakers.example.com")
        assert r.status_code == 204
        listed = (await h.api.get("/api/v1/events/web-1/panelists")).json()
        assert {p["email"] for p in listed["webinars"][0]["panelists"]} == {
            "ion@speakers.example.com"
        }
        # A meeting has no panelists; an unknown event is 404; bad input names the field.
        assert (await h.api.get("/api/v1/events/meet-1/panelists")).status_code == 409
        assert (await h.api.get("/api/v1/events/nope/panelists")).status_code == 404
        r = await h.api.post(
            "/api/v1/events/web-1/panelists", json={"panelists": [{"name": "X", "email": "bad"}]}
        )
        assert r.status_code == 400 and "email" in r.text
        r = await h.api.post(
            "/api/v1/events/web-1/panelists",
            json=body,
            headers={"Authorization": "Bearer wrong-key-0000"},
        )
        assert r.status_code == 401
