"""Users API: ``GET /users/{userId}`` (id, email or ``me``) and ``GET /users``."""

from __future__ import annotations

import zlib
from typing import Any

from litestar import Request, Response, get

from .clock import isoformat
from .errors import validation_failed
from .httputil import json_response, query, token_of
from .models import User
from .state import ZoomEmulator

API = {"zoom": "api"}
#: The Users API allows larger pages than the Meetings API.
USERS_MAX_PAGE_SIZE = 2000


def _role_id(user: User) -> str:
    return "0" if user.role_name == "Owner" else "2"


def render_summary(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "email": user.email,
        "type": user.type,
        "pmi": user.pmi,
        "timezone": user.timezone,
        "verified": 1,
        "dept": "",
        "created_at": isoformat(user.created_at),
        "user_created_at": isoformat(user.created_at),
        "last_login_time": isoformat(user.created_at),
        "last_client_version": "6.0.0.0000(mac)",
        "language": "en-US",
        "status": user.status,
        "role_id": _role_id(user),
        "group_ids": [],
        "im_group_ids": [],
    }


def render_user(emulator: ZoomEmulator, user: User) -> dict[str, Any]:
    body = render_summary(user)
    body.update(
        {
            "role_name": user.role_name,
            "use_pmi": False,
            "personal_meeting_url": f"{emulator.public_base_url}/j/{user.pmi}",
            "pic_url": "",
            "cms_user_id": "",
            "jid": f"{user.id.lower()}@xmpp.zoom.us",
            "account_id": user.account_id,
            "account_number": 10_000_000 + zlib.crc32(user.account_id.encode()) % 90_000_000,
            "cluster": "us06",
            "login_types": [100],
            "phone_number": "",
            "company": "",
            "job_title": "",
            "location": "",
        }
    )
    return body


@get("/users/{userId:str}", opt={**API, "category": "light", "operation": "user"})
async def user_get(request: Request[Any, Any, Any], userId: str) -> Response[bytes]:
    emulator: ZoomEmulator = request.app.state.emulator
    user = emulator.resolve_user(userId, token_of(request))
    return json_response(render_user(emulator, user))


@get("/users", opt={**API, "category": "medium", "operation": "users"})
async def user_list(request: Request[Any, Any, Any]) -> Response[bytes]:
    emulator: ZoomEmulator = request.app.state.emulator
    token = token_of(request)
    params = query(request)
    status = params.get("status") or "active"
    if status not in ("active", "inactive", "pending"):
        raise validation_failed("status")
    users = [
        u
        for u in emulator.users.values()
        if u.account_id == token.grant.account_id and u.status == status
    ]
    page = emulator.paginator.page(
        users,
        params,
        scope=f"users:{token.grant.account_id}:{status}",
        max_page_size=USERS_MAX_PAGE_SIZE,
    )
    page.items = [render_summary(u) for u in page.items]
    return json_response(page.envelope("users"))


ROUTES = [user_get, user_list]
