"""What a plugin hands the admin page: plain data, rendered by the core templates.

Plugins describe their card and event sections as these frozen Structs instead of HTML, so
every plugin's part of the page gets the same layout, labels, keyboard use and CSRF fields
without the plugin knowing anything about templates.
"""

from __future__ import annotations

import msgspec


class AdminField(msgspec.Struct, frozen=True):
    """An extra input of a post form (e.g. a panelist's name or email)."""

    name: str
    label: str
    type: str = "text"
    value: str = ""
    required: bool = False


class AdminAction(msgspec.Struct, frozen=True):
    """A button (``method="post"``: a form carrying the CSRF field) or a link (``"get"``).

    ``url`` is an absolute path in the hub, e.g. ``/admin/plugins/zoom/disconnect``; post
    routes live under ``/admin/plugins/<plugin>/`` and are guarded by
    :func:`hub.admin.auth.require_admin`.
    """

    label: str
    url: str
    method: str = "post"
    confirm: str | None = None
    fields: tuple[AdminField, ...] = ()


class AdminFact(msgspec.Struct, frozen=True):
    """One labelled value (optionally a link) in a section's definition list."""

    label: str
    value: str
    href: str | None = None


class AdminTable(msgspec.Struct, frozen=True):
    """A table of text cells; ``row_actions``, when given, has one tuple per row."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_actions: tuple[tuple[AdminAction, ...], ...] = ()


class AdminSection(msgspec.Struct, frozen=True):
    """A titled block of facts, an optional table, actions and a note."""

    title: str
    facts: tuple[AdminFact, ...] = ()
    table: AdminTable | None = None
    actions: tuple[AdminAction, ...] = ()
    note: str | None = None


class AdminCard(msgspec.Struct, frozen=True):
    """A plugin's own part of its card on the Integrations page.

    ``status`` is one of ``"ok"``, ``"warning"``, ``"error"`` or ``"off"``.
    """

    plugin: str
    title: str
    status: str
    summary: str
    sections: tuple[AdminSection, ...] = ()
    actions: tuple[AdminAction, ...] = ()


CARD_STATUSES = ("ok", "warning", "error", "off")

__all__ = [
    "CARD_STATUSES",
    "AdminAction",
    "AdminCard",
    "AdminFact",
    "AdminField",
    "AdminSection",
    "AdminTable",
]
