"""A test-only plugin that contributes to the admin page: a card, event sections, and a
guarded admin route that counts its calls (to prove CSRF refusals change nothing)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect

from hub import hookimpl
from hub.admin.auth import require_admin
from hub.admin.flash import flash
from hub.admin.panels import (
    AdminAction,
    AdminCard,
    AdminFact,
    AdminField,
    AdminSection,
    AdminTable,
)
from hub.admin.redirects import back
from hub.context import HubContext

NAME = "panels"


class PanelPlugin:
    __test__ = False
    __version__ = "1.2.3-test"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.pings: list[dict[str, Any]] = []
        self.event_ids: list[str] = []

    @hookimpl
    def hub_admin_card(self, hub: HubContext) -> AdminCard:
        if self.fail:
            raise RuntimeError("card exploded")
        return AdminCard(
            plugin=NAME,
            title="Panels demo",
            status="warning",
            summary="Connected as demo@example.com",
            sections=(
                AdminSection(
                    title="Connection",
                    facts=(
                        AdminFact("Account", "acct-42"),
                        AdminFact("Docs", "read me", href="https://example.com/docs"),
                    ),
                    note="Scopes missing: meeting:write",
                ),
            ),
            actions=(
                AdminAction("Ping provider", f"/admin/plugins/{NAME}/ping", confirm="Ping now?"),
                AdminAction("Open docs", "https://example.com/docs", method="get"),
            ),
        )

    @hookimpl
    async def hub_admin_event_sections(self, event_id: str, hub: HubContext) -> list[AdminSection]:
        if self.fail:
            raise RuntimeError("sections exploded")
        self.event_ids.append(event_id)
        return [
            AdminSection(
                title="Panelists",
                table=AdminTable(
                    columns=("Name", "Email"),
                    rows=(("Ada Lovelace", "ada@example.com"),),
                    row_actions=(
                        (
                            AdminAction(
                                "Remove Ada",
                                f"/admin/plugins/{NAME}/ping",
                                fields=(AdminField("who", "Who", type="hidden", value="ada"),),
                            ),
                        ),
                    ),
                ),
                actions=(
                    AdminAction(
                        "Add panelist",
                        f"/admin/plugins/{NAME}/ping",
                        fields=(
                            AdminField("name", "Panelist name", required=True),
                            AdminField("email", "Panelist email", type="email", required=True),
                        ),
                    ),
                ),
            )
        ]

    @hookimpl
    def hub_routes(self, hub: HubContext) -> list[Any]:
        plugin = self

        @post(
            f"/admin/plugins/{NAME}/ping",
            guards=[require_admin],
            status_code=303,
            include_in_schema=False,
        )
        async def ping(request: Request[Any, Any, Any]) -> Redirect:
            form = await request.form()
            plugin.pings.append({k: v for k, v in form.items() if k != "_csrf_token"})
            flash(request, "Pinged the provider")
            return back(request)

        @get(f"/admin/plugins/{NAME}/boom", guards=[require_admin], include_in_schema=False)
        async def boom() -> None:
            raise RuntimeError("the plugin broke")

        return [ping, boom]
