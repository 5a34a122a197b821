"""The demo's closing report: what was created, synced, attended, recorded, and checked."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def print_report(
    console: Console, provider: str, events: list[Any], checks: Any, seconds: float
) -> None:
    meetings = Table(title=f"Meetings created on {provider}", show_lines=False)
    for column in ("event", "kind", "meeting id", "join link", "passcode", "dial-in"):
        meetings.add_column(column)
    for e in events:
        m = e.meeting
        meetings.add_row(
            e.id,
            m.kind if m else "-",
            m.meeting_id if m else "-",
            (m.join_url or "-") if m else "-",
            (m.passcode or "-") if m else "-",
            ", ".join(d.number for d in m.dial_in[:2])
            + (" ..." if m and len(m.dial_in) > 2 else "")
            if m and m.dial_in
            else "-",
        )
    console.print(meetings)

    sync = Table(title="Registrants synced against tickets")
    for column in (
        "event",
        "tickets sold",
        "refunded",
        "registered",
        "cancelled",
        "sample personal link",
    ):
        sync.add_column(column)
    for e in events:
        regs = e.summary.get("sync", {}).get("registrations", {})
        link = (e.summary.get("sample_ticket") or {}).get("join_url") or "-"
        sync.add_row(
            e.id,
            str(len(e.tickets)),
            str(len(e.refunded)),
            str(regs.get("registered", 0)),
            str(regs.get("cancelled", 0)),
            link[:70] + ("..." if len(link) > 70 else ""),
        )
    console.print(sync)

    for e in events:
        report = e.summary.get("attendance", {})
        records = report.get("records", [])
        expected = {s.ticket_id: s for s in e.scripts}
        table = Table(
            title=f"Attendance: {e.id} ({len(records)} people, final={report.get('final')})"
        )
        for column in ("name", "ticket", "minutes", "expected", "sessions", "attended"):
            table.add_column(column)
        shown = sorted(records, key=lambda r: (r.get("guest", False), -(r.get("minutes") or 0)))
        for r in shown[:8]:
            script = expected.get(r.get("ticket_id"))
            table.add_row(
                r.get("name") or "-",
                r.get("ticket_id") or "(guest)",
                f"{r.get('minutes', 0):.1f}",
                f"{script.expected_minutes:.1f} ({script.kind})" if script else "-",
                str(r.get("sessions_count")),
                "yes" if r.get("attended") else "no",
            )
        if len(records) > 8:
            table.add_row("...", f"{len(records) - 8} more", "", "", "", "")
        console.print(table)

    crm = events[0].summary.get("crm") if events else None
    if crm is not None:
        with_attendance = sum(1 for c in crm if c.get("attendance"))
        console.print(f"CRM: {len(crm)} contacts, {with_attendance} with attendance records")
    for e in events:
        for rec in e.summary.get("recordings", []):
            console.print(
                f"Recording of {e.id}: {rec.get('share_url')} ({len(rec.get('files', []))} files)"
            )

    verdict = Table(title="Checks")
    verdict.add_column("result")
    verdict.add_column("check")
    for what in checks.passed:
        verdict.add_row("[green]ok[/green]", what)
    for what in checks.failures:
        verdict.add_row("[red]FAILED[/red]", what)
    console.print(verdict)
    status = "[red]incomplete[/red]" if checks.failures else "[green]complete[/green]"
    console.print(f"Demo {status} in {seconds:.1f} s.")
