"""HTML for the event page, as a ticketing platform's public event page would show it.

Plain server-rendered markup with every value escaped: provider data (titles, links,
messages) is untrusted text here. Links are only made clickable for http(s) URLs, so a
``javascript:`` URL reported by a misbehaving provider is shown as text, never run.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from hub.models import DialInNumber
from hub_ticketing_stub.event_pages import (
    EventPage,
    EventSummary,
    MeetingView,
    RecordingView,
    SessionView,
    local_time,
)

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; color: #222; }
h1 { margin-bottom: .2rem; } .when { color: #555; margin-top: 0; }
.status { display: inline-block; padding: .1rem .5rem; border-radius: .3rem; font-size: .9rem; }
.status-active { background: #dff5e1; } .status-pending { background: #eee; }
.status-cancelled, .status-deleted, .status-error { background: #fde2e2; }
section { border: 1px solid #ddd; border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
dt { font-weight: 600; } dd { margin: 0 0 .5rem 0; }
"""

STATUS_TEXT = {
    "pending": "The online meeting is being set up.",
    "active": "Online",
    "cancelled": "This event was cancelled.",
    "deleted": "The online meeting was deleted.",
    "error": "The online meeting could not be set up.",
}


def _link(url: str | None, text: str | None = None) -> str:
    if not url:
        return ""
    label = escape(text or url)
    if urlsplit(url).scheme in ("http", "https"):
        return f'<a href="{escape(url, quote=True)}">{label}</a>'
    return label


def _status(status: str) -> str:
    return (
        f'<span class="status status-{escape(status)}">'
        f"{escape(STATUS_TEXT.get(status, status))}</span>"
    )


def place(number: DialInNumber) -> str | None:
    return number.country_name or number.country


def _meeting(meeting: MeetingView) -> str:
    if meeting.status != "active":
        note = f"<p>{escape(meeting.message)}</p>" if meeting.message else ""
        return f'<div class="meeting">{_status(meeting.status)}{note}</div>'
    rows = [
        ("Join", _link(meeting.join_url, "Join the " + meeting.kind) if meeting.join_url else ""),
        ("Join link", escape(meeting.join_url or "")),
        ("Meeting ID", escape(meeting.meeting_id)),
        ("Passcode", escape(meeting.passcode or "")),
        ("Register", _link(meeting.registration_url)),
    ]
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows if v)
    dial_in = ""
    if meeting.dial_in:
        numbers = "".join(
            f"<li>{escape(d.number)}"
            + (f" — {escape(d.country_name or d.country or '')}" if place(d) else "")
            + (f", {escape(d.city)}" if d.city else "")
            + (f" ({escape(d.type)})" if d.type else "")
            + "</li>"
            for d in meeting.dial_in
        )
        dial_in = f'<h3>Dial in</h3><ul class="dial-in">{numbers}</ul>'
    return f'<div class="meeting"><dl>{items}</dl>{dial_in}</div>'


def _session(session: SessionView, timezone: str | None) -> str:
    when = local_time(session.starts_at, timezone)
    title = escape(session.title or session.id)
    body = _meeting(session.meeting) if session.meeting else _status("pending")
    when_html = f'<p class="when">{escape(when)}</p>' if when else ""
    anchor = escape(f"session-{session.id}", quote=True)
    return f'<section class="session" id="{anchor}"><h2>{title}</h2>{when_html}{body}</section>'


def _recording(recording: RecordingView) -> str:
    files = "".join(
        f"<li>{escape(f.recording_type or f.file_type)}: "
        f"{_link(f.play_url, 'play') or _link(f.download_url, 'download') or '-'}</li>"
        for f in recording.files
    )
    passcode = f" (passcode {escape(recording.passcode)})" if recording.passcode else ""
    where = f" — session {escape(recording.session_id)}" if recording.session_id else ""
    share = _link(recording.share_url, "Watch the recording") or "Recording"
    return f'<li class="recording">{share}{passcode}{where}<ul>{files}</ul></li>'


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def event_page(page: EventPage) -> str:
    """The full HTML page of one event."""
    when = local_time(page.starts_at, page.timezone)
    parts = [
        f"<h1>{escape(page.title)}</h1>",
        f'<p class="when">{escape(when)}</p>' if when else "",
        f'<p class="page-status">{_status(page.status)}</p>',
        f'<p class="description">{escape(page.description)}</p>' if page.description else "",
    ]
    if page.meeting is not None:
        how = _meeting(page.meeting)
        parts.append(f'<section class="main-meeting"><h2>How to join</h2>{how}</section>')
    if page.sessions:
        parts.append("<h2>Sessions</h2>")
        parts.extend(_session(s, page.timezone) for s in page.sessions)
    if page.recordings:
        items = "".join(_recording(r) for r in page.recordings)
        parts.append(f'<section class="recordings"><h2>Recordings</h2><ul>{items}</ul></section>')
    return _document(page.title, "".join(parts))


def event_index(events: list[EventSummary]) -> str:
    """A list of every event page the stub knows."""
    items = "".join(
        f'<li><a href="events/{escape(e.event_id, quote=True)}">{escape(e.title)}</a> '
        f"{_status(e.status)}</li>"
        for e in events
    )
    return _document("Events", f"<h1>Events</h1><ul>{items}</ul>")
