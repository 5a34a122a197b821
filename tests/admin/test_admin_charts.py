"""The chart arithmetic and SVG output, on their own."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from hub.admin import attendance_view, charts
from hub.admin.analytics import event_figures, summarise
from hub.admin.redirects import safe_next
from hub.models import AttendanceRecord, AttendanceReport

NS = "{http://www.w3.org/2000/svg}"
T0 = datetime(2030, 7, 15, 11, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def rec(name: str, spans: list[tuple[float, float]], **kw: Any) -> AttendanceRecord:
    intervals = [(at(a), at(b)) for a, b in spans]
    values: dict[str, Any] = {
        "event_id": "ev-1",
        "ticket_id": name,
        "email": None,
        "name": name,
        "first_join": intervals[0][0] if intervals else None,
        "last_leave": max((b for _, b in intervals), default=None),
        "minutes": sum(b - a for a, b in spans),
        "sessions_count": len(spans),
        "attended": bool(spans),
        "intervals": intervals,
    }
    values.update(kw)
    return AttendanceRecord(**values)


def test_occupancy_counts_a_person_once_across_devices_and_rejoins() -> None:
    records = [
        rec("a", [(0, 30), (10, 20)]),  # second device inside the first: still one person
        rec("b", [(10, 20), (20, 40)]),  # leaves and rejoins at the same instant: no dip
        rec("c", [(50, 60)]),
        rec("a", [(0, 60)], session_id="s-2"),  # a per-session record is not counted again
    ]
    assert attendance_view.occupancy(records) == [
        (at(0), 1),
        (at(10), 2),
        (at(30), 1),
        (at(40), 0),
        (at(50), 1),
        (at(60), 0),
    ]
    assert attendance_view.peak(attendance_view.occupancy(records)) == 2


def test_occupancy_falls_back_to_first_join_and_last_leave() -> None:
    without = msgspec.structs.replace(rec("a", [(0, 10), (50, 60)]), intervals=[])
    assert attendance_view.occupancy([without]) == [(at(0), 1), (at(60), 0)]
    assert attendance_view.occupancy([rec("nobody", [])]) == []


def test_minutes_histogram_bins() -> None:
    records = [rec(str(i), [(0, m)]) for i, m in enumerate([1, 9.9, 10, 59, 60, 0])]
    assert attendance_view.bin_width(60) == 5
    assert attendance_view.bin_width(61) == 10
    histogram = dict(attendance_view.minutes_histogram(records))
    assert histogram["0-5"] == 1 and histogram["5-10"] == 1 and histogram["10-15"] == 1
    assert histogram["55-60"] == 2  # the largest value stays in the last bin
    assert sum(histogram.values()) == 5  # the person with 0 minutes is not in it
    assert attendance_view.minutes_histogram([]) == []


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 1), (1, 1), (3, 5), (7, 10), (12, 20), (23, 25), (101, 200)]
)
def test_nice_ceiling(value: float, expected: float) -> None:
    assert charts.nice_ceiling(value) == expected


def test_step_chart_is_valid_labelled_svg() -> None:
    points = [(at(0), 1), (at(10), 3), (at(40), 0)]
    svg = ET.fromstring(
        str(charts.step_chart("occ", "People <in> room", points, y_label="People", x_label="Time"))
    )
    assert svg.get("id") == "occ" and svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "occ-title occ-desc"
    assert svg.find(f"{NS}title").text == "People <in> room"  # escaped in the markup
    assert "at most 3" in svg.find(f"{NS}desc").text
    path = svg.find(f"{NS}path").get("d")
    # Starts at the origin of the plot (left edge, zero people) and closes back to it.
    assert path.startswith(f"M{charts.PAD_LEFT:.1f},{charts.HEIGHT - charts.PAD_BOTTOM:.1f}")
    assert path.endswith("Z")
    labels = [t.text for t in svg.iter(f"{NS}text")]
    assert labels[0] == "People <in> room"  # the title is drawn as well
    assert {"0", "1", "2", "3", "4", "5"} <= set(labels)  # whole-number ticks for people
    assert len(svg.findall(f"{NS}script")) == 0


def test_bar_and_line_charts_escape_labels_and_scale() -> None:
    bars = ET.fromstring(
        str(
            charts.bar_chart(
                "b",
                "t",
                ["<script>x</script>", "b"],
                [charts.Series("n", [4, 2])],
                y_label="y",
                x_label="x",
            )
        )
    )
    rects = [r for r in bars.iter(f"{NS}rect") if r.get("class") == "bar"]
    heights = [float(r.get("height")) for r in rects]
    assert heights[0] == pytest.approx(2 * heights[1], rel=0.01)
    assert rects[0].find(f"{NS}title").text == "<script>x</script>, n: 4"
    line = ET.fromstring(
        str(
            charts.line_chart(
                "l",
                "t",
                ["2030-07"],
                [charts.Series("r", [50])],
                y_label="%",
                x_label="m",
                y_max=100,
            )
        )
    )
    assert len(list(line.iter(f"{NS}circle"))) == 1
    empty = ET.fromstring(
        str(charts.bar_chart("e", "t", [], [], y_label="y", x_label="x", empty_message="None yet"))
    )
    assert empty.find(f"{NS}desc").text == "None yet"


def test_summary_leaves_out_cancelled_and_unreported_events_from_rates() -> None:
    body = {"title": "T", "starts_at": "2030-07-15T14:00:00+03:00"}
    report = AttendanceReport(
        event_id="a",
        provider="p",
        final=True,
        records=[
            rec("x", [(0, 30)]),
            rec("g", [(0, 10)], guest=True),
            rec("n", [], attended=False),
        ],
    )
    reported = event_figures("a", body, "published", 4, report)
    future = event_figures(
        "b", {**body, "starts_at": "2030-08-01T00:00:00+00:00"}, "published", 6, None
    )
    cancelled = event_figures("c", body, "cancelled", 9, None)
    assert reported[0].starts_at == datetime(2030, 7, 15, 11, 0, tzinfo=UTC)
    assert (reported[0].attendees, reported[0].guests, reported[0].attendance_rate) == (1, 1, 0.25)
    totals, months = summarise([reported, future, cancelled])
    assert (totals.events, totals.registrants, totals.attendees) == (2, 10, 1)
    assert totals.attendance_rate == 0.25 and totals.average_minutes == 30.0
    assert [(m.period, m.events, m.attendance_rate) for m in months] == [
        ("2030-07", 1, 0.25),
        ("2030-08", 1, None),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/admin/events/ev-1", "/admin/events/ev-1"),
        ("/admin", "/admin"),
        ("/admin?x=1", "/admin?x=1"),
        ("/administrator", None),
        ("//evil.example/admin", None),
        ("https://evil.example/admin", None),
        ("/\\evil.example", None),
        ("/admin/\nx", None),
        ("", None),
        (None, None),
    ],
)
def test_only_admin_paths_are_followed(value: Any, expected: str | None) -> None:
    assert safe_next(value) == expected


def test_step_chart_puts_dates_on_a_multi_day_axis() -> None:
    one_day = ET.fromstring(
        str(charts.step_chart("a", "t", [(at(0), 1), (at(90), 0)], y_label="y", x_label="x"))
    )
    two_days = ET.fromstring(
        str(
            charts.step_chart(
                "b",
                "t",
                [(at(0), 1), (at(60), 0), (at(1500), 1), (at(1560), 0)],
                y_label="y",
                x_label="x",
            )
        )
    )
    assert "11:00" in [t.text for t in one_day.iter(f"{NS}text")]
    assert "15 Jul 11:00" in [t.text for t in two_days.iter(f"{NS}text")]
