"""Checks msgspec's types cannot express: real timezones, real emails, clean text.

Each failure raises an :class:`ApiProblem` naming the field, before anything is written.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from hub.api.emails import EmailNotValidError, normalize_email
from hub.api.problems import ApiProblem
from hub.models import Event, Ticket

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")  # single-line fields: no newlines either
MULTILINE_FIELDS = {"description"}


def _check_text(value: Any, path: str) -> None:
    if isinstance(value, str):
        leaf = path.rsplit(".", 1)[-1]
        pattern = CONTROL_CHARS if leaf in MULTILINE_FIELDS else LINE_CONTROL_CHARS
        if pattern.search(value):
            raise ApiProblem(422, "control characters are not allowed", field=path)
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_text(k, f"{path}.{k}")
            _check_text(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_text(v, f"{path}[{i}]")


def check_clean_text(struct: msgspec.Struct) -> None:
    for name in struct.__struct_fields__:
        _check_text(getattr(struct, name), name)


def check_event(event: Event) -> None:
    check_clean_text(event)
    try:
        ZoneInfo(event.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiProblem(
            422, f"unknown IANA timezone {event.timezone!r}", field="timezone"
        ) from None
    ids = [s.id for s in event.sessions]
    if len(ids) != len(set(ids)):
        raise ApiProblem(422, "session ids must be unique", field="sessions")
    for key, settings in event.provider_settings.items():
        if len(msgspec.json.encode(settings)) > 16_384:
            raise ApiProblem(422, "provider settings too large", field=f"provider_settings.{key}")


def check_ticket(ticket: Ticket) -> Ticket:
    check_clean_text(ticket)
    try:
        normalized = normalize_email(ticket.email)
    except EmailNotValidError as exc:
        raise ApiProblem(422, f"invalid email: {exc}", field="email") from None
    if normalized != ticket.email:
        ticket = msgspec.structs.replace(ticket, email=normalized)
    return ticket
