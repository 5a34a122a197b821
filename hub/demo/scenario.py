"""What happens in the demo's meetings, decided up front so the result can be checked.

Every ticket holder gets a script of connections (joins and leaves, some on two devices,
some re-joining, some never coming). The expected minutes per person follow from the
script by the same interval arithmetic the providers use, so the demo can verify that the
attendance report that comes back through the provider matches what was played, exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.attendance import attended_minutes


@dataclass
class Connection:
    device: str
    join: datetime
    leave: datetime


@dataclass
class AttendeeScript:
    ticket_id: str
    email: str
    name: str
    connections: list[Connection] = field(default_factory=list)

    @property
    def expected_minutes(self) -> float:
        return round(attended_minutes((c.join, c.leave) for c in self.connections), 4)

    @property
    def kind(self) -> str:
        if not self.connections:
            return "no-show"
        if len({c.device for c in self.connections}) > 1:
            return "two devices"
        return "re-joined" if len(self.connections) > 1 else "stayed"


def plan_attendance(
    holders: list[tuple[str, str, str]], start: datetime, duration_minutes: int, seed: int
) -> list[AttendeeScript]:
    """Scripts for ``holders`` (ticket id, email, name) in a meeting from ``start``."""
    rng = random.Random(seed)
    end = start + timedelta(minutes=duration_minutes)
    scripts = []
    for index, (ticket_id, email, name) in enumerate(holders):
        script = AttendeeScript(ticket_id, email, name)
        roll = rng.random()
        if index == 0:
            # Always one person on two devices, overlapping: minutes must not double.
            script.connections = [
                Connection("laptop", start, start + timedelta(minutes=duration_minutes * 0.8)),
                Connection("phone", start + timedelta(minutes=10), end),
            ]
        elif roll < 0.12:
            pass  # never joins
        elif roll < 0.35:
            first_leave = start + timedelta(minutes=rng.randint(5, duration_minutes // 3))
            back = first_leave + timedelta(minutes=rng.randint(2, 10))
            script.connections = [
                Connection("default", start + timedelta(minutes=rng.randint(0, 4)), first_leave),
                Connection("default", back, end - timedelta(minutes=rng.randint(0, 5))),
            ]
        else:
            join = start + timedelta(minutes=rng.randint(0, 15))
            leave = end - timedelta(minutes=rng.randint(0, duration_minutes // 2))
            script.connections = [
                Connection("default", join, max(leave, join + timedelta(minutes=1)))
            ]
        scripts.append(script)
    return scripts
