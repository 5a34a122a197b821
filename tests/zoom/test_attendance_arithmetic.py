"""Attendance arithmetic without Zoom: interval union, join/leave pairing, reconciliation
of the report with webhook rows, and per-holder records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub_zoom.attendance.compute import Engagement, Thresholds, TicketMatcher, attendance_records
from hub_zoom.attendance.intervals import Interval, Mark, covered_seconds, minutes, pair, union
from hub_zoom.attendance.reconcile import InstanceData, person_identity, reconcile
from hub_zoom.attendance.store import ParticipantEvent
from hub_zoom.webhooks.lookup import RegistrantRef

from hub.models import Event, EventSession, Ticket

T0 = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def iv(a: float, b: float) -> Interval:
    return Interval(at(a), at(b))


def test_union_merges_overlaps_and_touching() -> None:
    assert union([iv(0, 10), iv(5, 20), iv(20, 25), iv(30, 40), iv(32, 35)]) == [
        iv(0, 25),
        iv(30, 40),
    ]
    assert covered_seconds([iv(0, 10), iv(5, 20)]) == 20 * 60
    assert covered_seconds([]) == 0
    assert minutes(20 * 60 + 20) == 20.33


def test_two_devices_count_once() -> None:
    laptop, phone = iv(0, 60), iv(10, 30)
    assert covered_seconds([laptop, phone]) == 60 * 60


def test_rejoin_counts_only_time_present() -> None:
    assert covered_seconds([iv(0, 10), iv(15, 25)]) == 20 * 60


def test_pair_handles_rejoin_out_of_order_and_open_connections() -> None:
    marks = [
        Mark("a", "leave", at(10)),
        Mark("a", "join", at(0)),
        Mark("a", "join", at(15)),
        Mark("a", "leave", at(25)),
        Mark("b", "join", at(5)),  # never left: closed at the end
        Mark("c", "leave", at(7)),  # join never received: dropped
        Mark("d", "join", at(1)),
        Mark("d", "join", at(2)),  # duplicate join of an open connection
        Mark("d", "leave", at(3)),
    ]
    result = pair(marks, close_at=at(60))
    assert result["a"] == [iv(0, 10), iv(15, 25)]
    assert result["b"] == [iv(5, 60)]
    assert "c" not in result
    assert result["d"] == [iv(1, 3)]
    assert "b" not in pair(marks, close_at=None)


def _event(**overrides: object) -> Event:
    body: dict = {
        "id": "ev",
        "title": "Talk",
        "starts_at": T0,
        "duration_minutes": 60,
        "timezone": "UTC",
        "capacity": 10,
    }
    body.update(overrides)
    return Event(**body)


def _ticket(n: int) -> Ticket:
    return Ticket(id=f"t{n}", event_id="ev", email=f"p{n}@x.test", first_name=f"P{n}")


def _pe(key: str, action: str, minute: float, **who: str) -> ParticipantEvent:
    return ParticipantEvent(
        meeting_id="1",
        meeting_uuid="U",
        participant_key=key,
        registrant_id=who.get("registrant_id"),
        email=who.get("email"),
        name=who.get("name", "someone"),
        action=action,
        at=at(minute),
    )


def _row(minute_in: float, minute_out: float, **who: str) -> dict:
    return {
        "join_time": at(minute_in).isoformat().replace("+00:00", "Z"),
        "leave_time": at(minute_out).isoformat().replace("+00:00", "Z"),
        "name": who.get("name", "someone"),
        "user_email": who.get("email", ""),
        **({"registrant_id": who["registrant_id"]} if "registrant_id" in who else {}),
    }


def test_report_wins_and_webhooks_fill_gaps() -> None:
    data = InstanceData(
        "",
        "U",
        at(60),
        report=[_row(0, 50, registrant_id="r1", email="p1@x.test")],
        events=[
            # r1 per webhooks: a different (wrong) view; the report wins for r1
            _pe("k1", "join", 0, registrant_id="r1", email="p1@x.test"),
            _pe("k1", "leave", 20, registrant_id="r1", email="p1@x.test"),
            # r2 is missing from the report: the webhook rows fill the gap
            _pe("k2", "join", 10, registrant_id="r2", email="p2@x.test"),
            _pe("k2", "leave", 40, registrant_id="r2", email="p2@x.test"),
        ],
    )
    conns = reconcile([data])
    by_person = {(c.person, c.source): c.interval for c in conns}
    assert by_person == {("r:r1", "report"): iv(0, 50), ("r:r2", "webhook"): iv(10, 40)}


def test_without_report_open_connections_close_at_end() -> None:
    data = InstanceData("", "U", at(60), report=None, events=[_pe("k", "join", 45, name="Guest")])
    (conn,) = reconcile([data])
    assert conn.interval == iv(45, 60)
    assert conn.person == person_identity(None, None, None, "guest")


def test_records_per_holder_with_matching_guests_and_no_shows() -> None:
    tickets = [_ticket(1), _ticket(2), _ticket(3)]
    registrants = [
        RegistrantRef("ev", "t1", "", "1", "p1@x.test", "r1", None, "registered"),
        RegistrantRef("ev", "t2", "", "1", "p2@x.test", "r2", None, "registered"),
    ]
    report = [
        _row(0, 30, registrant_id="r1", email="p1@x.test", name="P1 laptop"),
        _row(10, 40, registrant_id="r1", email="p1@x.test", name="P1 phone"),  # 2nd device
        _row(50, 55, registrant_id="r1", email="p1@x.test"),  # re-join
        _row(0, 10, email="P2@X.test", name="P2 no registrant id"),  # matched by email
        _row(5, 60, email="guest@else.test", name="Guest"),
    ]
    conns = reconcile([InstanceData("", "U", at(60), report=report)])
    records = attendance_records(
        _event(),
        conns,
        TicketMatcher(tickets, registrants),
        Thresholds(min_minutes=15),
        [""],
        False,
        {("", "p1@x.test"): Engagement([{"question": "Q", "answer": "A"}], ["Why?"])},
    )
    by = {r.ticket_id or r.email: r for r in records}
    p1 = by["t1"]
    assert (p1.minutes, p1.sessions_count, p1.attended) == (45.0, 3, True)
    assert (p1.first_join, p1.last_leave) == (at(0), at(55))
    assert p1.poll_answers == [{"question": "Q", "answer": "A"}] and p1.questions == ["Why?"]
    assert (by["t2"].minutes, by["t2"].attended, by["t2"].guest) == (10.0, False, False)
    assert (by["t3"].minutes, by["t3"].sessions_count, by["t3"].attended) == (0.0, 0, False)
    guest = by["guest@else.test"]
    assert guest.guest and guest.ticket_id is None and guest.minutes == 55.0
    assert [r.guest for r in records] == [False, False, False, True]


def test_percent_threshold_uses_scheduled_duration() -> None:
    rule = Thresholds(min_minutes=0, min_percent=50)
    assert rule.attended(30, 60, 1)
    assert not rule.attended(29.99, 60, 1)
    assert not rule.attended(0, 0, 0)  # never connected is never attended


def test_multi_session_records_per_session_and_across() -> None:
    event = _event(
        sessions=[
            EventSession(id="day1", starts_at=T0, duration_minutes=60),
            EventSession(id="day2", starts_at=T0 + timedelta(days=1), duration_minutes=30),
        ]
    )
    reg = [
        RegistrantRef("ev", "t1", "day1", "1", "p1@x.test", "r1a", None, "registered"),
        RegistrantRef("ev", "t1", "day2", "2", "p1@x.test", "r1b", None, "registered"),
    ]
    instances = [
        InstanceData("day1", "U1", at(60), report=[_row(0, 40, registrant_id="r1a")]),
        InstanceData("day2", "U2", at(60), report=[_row(0, 10, registrant_id="r1b")]),
    ]
    records = attendance_records(
        event,
        reconcile(instances),
        TicketMatcher([_ticket(1)], reg),
        Thresholds(min_minutes=0, min_percent=50),
        ["day1", "day2"],
        True,
    )
    by_session = {r.session_id: r for r in records}
    assert (by_session["day1"].minutes, by_session["day1"].attended) == (40.0, True)
    assert (by_session["day2"].minutes, by_session["day2"].attended) == (10.0, False)
    overall = by_session[None]
    assert (overall.minutes, overall.sessions_count, overall.attended) == (50.0, 2, True)
