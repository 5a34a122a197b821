"""Attendance certificates render as PDF, in any script, readable by a PDF parser."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from hub_zoom.certificates import latin1, render_certificate
from pypdf import PdfReader

from hub.models import AttendanceRecord, Event

EVENT = Event(
    id="ev-1",
    title="Atelier de vară",
    starts_at=datetime(2030, 7, 15, 11, 0, tzinfo=UTC),
    duration_minutes=90,
    timezone="Europe/Bucharest",
    capacity=10,
)
RECORD = AttendanceRecord(
    event_id="ev-1",
    ticket_id="t-1",
    email="ion@example.com",
    name="Ștefan Ionescu",
    first_join=None,
    last_leave=None,
    minutes=72.5,
    sessions_count=2,
    attended=True,
)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_certificate_with_unicode_font() -> None:
    pdf = render_certificate(EVENT, RECORD)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "Certificate of Attendance" in text
    assert "72.5 minutes" in text
    assert "t-1" in text


def test_certificate_without_unicode_font_falls_back_to_latin1() -> None:
    pdf = render_certificate(EVENT, RECORD, font_path=False)
    text = _text(pdf)
    assert "Stefan Ionescu" in text
    assert "Atelier de vara" in text


def test_latin1_keeps_latin1_text() -> None:
    assert latin1("Müller") == "Müller"
    assert latin1("Șerban") == "Serban"
    assert latin1("東京") == "??"
