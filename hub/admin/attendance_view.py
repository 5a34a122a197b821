"""What the event page draws from an attendance report: occupancy and minutes per person.

Only whole-event records (``session_id`` None) count, so a person in a multi-session event
appears once. Everything here is pure arithmetic on the report, tested on its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from hub.attendance import Interval, merge_intervals
from hub.models import AttendanceRecord

BIN_STEPS = (1, 2, 5, 10, 15, 20, 30, 60, 120, 240)
MAX_BINS = 12


def whole_event(records: Iterable[AttendanceRecord]) -> list[AttendanceRecord]:
    return [r for r in records if r.session_id is None]


def person_intervals(record: AttendanceRecord) -> list[Interval]:
    """The record's connection intervals; only its first join to last leave if that is all
    the provider reported (which over-counts someone who left and came back)."""
    if record.intervals:
        return merge_intervals((_utc(a), _utc(b)) for a, b in record.intervals)
    if record.first_join is not None and record.last_leave is not None:
        return merge_intervals([(_utc(record.first_join), _utc(record.last_leave))])
    return []


def occupancy(records: Sequence[AttendanceRecord]) -> list[tuple[datetime, int]]:
    """People in the room over time: a point at every change, ending at zero.

    Each person counts once at any moment even with two devices (their intervals are
    merged first); a leave and a join at the same instant do not produce a dip.
    """
    changes: dict[datetime, int] = {}
    for record in whole_event(records):
        for start, end in person_intervals(record):
            changes[start] = changes.get(start, 0) + 1
            changes[end] = changes.get(end, 0) - 1
    points: list[tuple[datetime, int]] = []
    present = 0
    for at in sorted(changes):
        if changes[at] == 0:
            continue
        present += changes[at]
        points.append((at, present))
    return points


def peak(points: Sequence[tuple[datetime, int]]) -> int:
    return max((v for _, v in points), default=0)


def bin_width(largest: float) -> int:
    """A round bin width giving at most MAX_BINS bins up to ``largest`` minutes."""
    for step in BIN_STEPS:
        if largest / step <= MAX_BINS:
            return step
    return math.ceil(largest / MAX_BINS)


def minutes_histogram(records: Sequence[AttendanceRecord]) -> list[tuple[str, int]]:
    """How many people stayed 0-10, 10-20, ... minutes (only people who joined at all).

    Bins are half-open ``[low, high)`` except the last, which also holds the largest value.
    """
    minutes = [r.minutes for r in whole_event(records) if r.minutes > 0]
    if not minutes:
        return []
    width = bin_width(max(minutes))
    count = max(1, math.ceil(max(minutes) / width))
    bins = [0] * count
    for value in minutes:
        bins[min(int(value // width), count - 1)] += 1
    return [(f"{i * width}-{(i + 1) * width}", n) for i, n in enumerate(bins)]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
