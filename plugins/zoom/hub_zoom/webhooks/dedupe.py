"""The identity of a Zoom webhook, so that a redelivery or a replay has no second effect.

Zoom gives deliveries no id of their own that survives redelivery, so the identity is
built from what the event is about: its type, the meeting (uuid, else id), the participant
or registrant or recording file it concerns, and the time it happened (join or leave time
for participants, ``event_ts`` otherwise). A redelivery carries exactly these values again
and maps to the same key; two genuinely different facts (a re-join, a second device, a
second instance of the meeting) differ in at least one of them.
"""

from __future__ import annotations

import hashlib
from typing import Any


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def participant_identity(participant: dict[str, Any]) -> str:
    """One connection of one person: Zoom's participant_uuid, else its user ids."""
    for field in ("participant_uuid", "user_id", "id", "participant_user_id"):
        value = participant.get(field)
        if value not in (None, ""):
            return f"{field}={value}"
    return f"name={_text(participant.get('user_name'))}"


def dedupe_key(envelope: dict[str, Any]) -> str:
    """A short stable key for ``hub.ingest_webhook`` (the hub prefixes and stores it)."""
    event = _text(envelope.get("event"))
    payload = envelope.get("payload") if isinstance(envelope.get("payload"), dict) else {}
    obj = payload.get("object") if isinstance(payload.get("object"), dict) else {}
    parts = [event, _text(payload.get("account_id")), _text(obj.get("uuid") or obj.get("id"))]
    participant = obj.get("participant")
    registrant = obj.get("registrant")
    if isinstance(participant, dict):
        parts.append(participant_identity(participant))
        parts.append(
            _text(participant.get("join_time") or participant.get("leave_time"))
            or _text(envelope.get("event_ts"))
        )
    else:
        if isinstance(registrant, dict):
            parts.append(_text(registrant.get("id") or registrant.get("email")))
        files = obj.get("recording_files")
        if isinstance(files, list):
            parts.append(",".join(sorted(_text(f.get("id")) for f in files if isinstance(f, dict))))
        parts.append(_text(envelope.get("event_ts")))
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"{event[:80]}:{digest}"
