"""Attendance arithmetic every provider needs: merging a person's connections.

A person who re-joins, or joins from a phone and a laptop at once, has overlapping or
repeated connections; their attendance is the length of the union of those intervals,
never the sum. Kept in the core so every provider computes minutes the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

Interval = tuple[datetime, datetime]


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of the intervals as sorted, disjoint intervals (empty ones dropped)."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def attended_minutes(intervals: Iterable[Interval]) -> float:
    return sum((end - start).total_seconds() for start, end in merge_intervals(intervals)) / 60


def met_threshold(
    minutes: float, scheduled_minutes: float, min_minutes: float, min_percent: float
) -> bool:
    """Attended when both the absolute and the relative minimum are met."""
    if minutes <= 0:
        return False
    percent = 100 * minutes / scheduled_minutes if scheduled_minutes else 100.0
    return minutes >= min_minutes and percent >= min_percent
