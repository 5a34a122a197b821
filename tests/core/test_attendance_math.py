"""Interval union: re-joins and two devices never double-count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.attendance import attended_minutes, merge_intervals, met_threshold

T0 = datetime(2030, 1, 1, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_disjoint_rejoin_adds_up() -> None:
    assert attended_minutes([(at(0), at(10)), (at(20), at(35))]) == 25


def test_two_devices_overlap_counts_once() -> None:
    assert attended_minutes([(at(0), at(30)), (at(10), at(40))]) == 40


def test_contained_and_touching_intervals() -> None:
    merged = merge_intervals([(at(5), at(10)), (at(0), at(30)), (at(30), at(45)), (at(50), at(50))])
    assert merged == [(at(0), at(45))]


def test_threshold_by_minutes_and_percent() -> None:
    assert met_threshold(30, 60, min_minutes=10, min_percent=50)
    assert not met_threshold(29, 60, min_minutes=10, min_percent=50)
    assert not met_threshold(5, 60, min_minutes=10, min_percent=0)
    assert not met_threshold(0, 60, min_minutes=0, min_percent=0)
