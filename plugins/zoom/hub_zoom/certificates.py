"""Attendance certificates as PDF (fpdf2), for holders who met the attendance threshold.

Names and titles come from ticketing platforms in any script, while the PDF core fonts
only cover Latin-1. A Unicode TrueType font (DejaVu Sans, shipped by most Linux systems)
is used when one is found; otherwise the text is reduced to its closest Latin-1 form
(accents dropped) rather than failing to issue the certificate.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fpdf import FPDF

from hub.models import AttendanceRecord, Event

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/Library/Fonts/DejaVuSans.ttf"),
)


def _unicode_font() -> Path | None:
    return next((p for p in FONT_CANDIDATES if p.is_file()), None)


def _zone(name: str) -> tzinfo:
    """The event's own time zone, so the date printed is the attendees' date."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def latin1(text: str) -> str:
    """The closest Latin-1 rendering of ``text`` (for the core PDF fonts)."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return kept.encode("latin-1", "replace").decode("latin-1")


def render_certificate(
    event: Event,
    record: AttendanceRecord,
    *,
    issued_at: datetime | None = None,
    font_path: Path | bool | None = True,
) -> bytes:
    """A one-page landscape certificate; ``font_path=False`` forces the core font."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(25, 20, 25)
    pdf.add_page()
    pdf.set_title(f"Certificate of attendance - {event.title}")
    pdf.set_author("hub")
    font = _unicode_font() if font_path is True else (font_path or None)
    if font is not None:
        pdf.add_font("Body", "", str(font))
        family, clean = "Body", (lambda s: s)
    else:
        family, clean = "Helvetica", latin1
    pdf.set_draw_color(40, 70, 120)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, 269, 182)

    def line(text: str, size: float, height: float, gap: float = 0) -> None:
        pdf.set_font(family, size=size)
        # multi_cell wraps a long event title instead of running off the page
        pdf.multi_cell(0, height, clean(text), align="C", new_x="LMARGIN", new_y="NEXT")
        if gap:
            pdf.ln(gap)

    pdf.set_y(40)
    line("Certificate of Attendance", 30, 16, 10)
    line("This certifies that", 14, 8, 4)
    line(record.name or record.email or "", 26, 14, 6)
    line("attended", 14, 8, 4)
    line(event.title, 20, 11, 6)
    held = event.starts_at.astimezone(_zone(event.timezone)).strftime("%d %B %Y")
    line(f"held on {held}, for {record.minutes:g} minutes", 13, 8, 2)
    if record.sessions_count > 1:
        line(f"({record.sessions_count} connections)", 10, 6)
    issued = (issued_at or datetime.now(UTC)).strftime("%d %B %Y")
    pdf.set_y(175)
    line(f"Ticket {record.ticket_id or '-'}  -  issued {issued}", 9, 6)
    return bytes(pdf.output())
