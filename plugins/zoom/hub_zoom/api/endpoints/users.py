"""Users: the connected user and the account's user list."""

from __future__ import annotations

from typing import cast

from hub_zoom.api.endpoints._base import EndpointsBase, query
from hub_zoom.api.paths import segment
from hub_zoom.api.types import Meeting, User, Webinar


class UserEndpoints(EndpointsBase):
    async def users_me(self) -> User:
        """``GET /users/me`` (LIGHT): the token's user; cheap connectivity/credential check."""
        return cast(User, await self.request("GET", "/users/me", category="light"))

    async def get_user(self, user_id: str) -> User:
        """``GET /users/{userId}`` (LIGHT); ``user_id`` may be an id, an email or ``me``."""
        result = await self.request("GET", f"/users/{segment(user_id)}", category="light")
        return cast(User, result)

    async def list_users(self, *, status: str | None = None) -> list[User]:
        """``GET /users`` (MEDIUM), every page; ``status`` is active / inactive / pending."""
        items = await self.collect("/users", "users", query(status=status), category="medium")
        return cast(list[User], items)

    async def list_meetings(self, user_id: str, *, type: str | None = None) -> list[Meeting]:
        """``GET /users/{userId}/meetings`` (MEDIUM), every page."""
        items = await self.collect(
            f"/users/{segment(user_id)}/meetings", "meetings", query(type=type), category="medium"
        )
        return cast(list[Meeting], items)

    async def list_webinars(self, user_id: str, *, type: str | None = None) -> list[Webinar]:
        """``GET /users/{userId}/webinars`` (MEDIUM), every page."""
        items = await self.collect(
            f"/users/{segment(user_id)}/webinars", "webinars", query(type=type), category="medium"
        )
        return cast(list[Webinar], items)
