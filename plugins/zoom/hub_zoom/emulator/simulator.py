"""The meeting simulator: what happens on Zoom's side while a meeting runs.

Starting, joining, leaving, ending, recording and transcribing change the in-memory
instance exactly as Zoom would record it (so reports and past participants reflect the
simulation) and send the webhooks Zoom sends for each step.  Times are explicit
(``at``) or "now" on the emulated clock; a step in the future moves the clock there,
so events, reports and the clock always agree.

Identity of a participant: a registrant (by id or email), a panelist (webinars, by
email), the host, or a guest (a name, optionally an email, without registration;
guests are let in even when registration is required, to model people who joined
through a shared link).  Registrants who are not approved (pending, denied,
cancelled) are refused unless the step says ``force``.  One person may be connected on
several devices at once; each device is a session.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .clock import isoformat, parse_datetime
from .errors import ControlError
from .models import Instance, Meeting, Recording, RecordingFile, Registrant, Session
from .recordings import render_file
from .scheduling import webhook_object
from .state import ZoomEmulator

DOWNLOAD_TOKEN_LIFETIME = timedelta(hours=24)


@dataclass
class Person:
    key: str
    name: str
    email: str
    registrant_id: str | None
    zoom_user_id: str
    role: str


class Simulator:
    def __init__(self, emulator: ZoomEmulator) -> None:
        self.emulator = emulator
        self._people: dict[tuple[int, str], tuple[str, str]] = {}
        self._join_counter = 16_778_240

    # ------------------------------------------------------------------ time
    def resolve_time(
        self,
        at: str | None,
        offset_seconds: float | None,
        base: datetime | None,
        advance_clock: bool = True,
    ) -> datetime:
        clock = self.emulator.clock
        if at:
            when = parse_datetime(at)
        elif offset_seconds is not None:
            when = (base or clock.now()) + timedelta(seconds=offset_seconds)
        else:
            when = clock.now()
        when = when.replace(microsecond=0)
        if advance_clock and when > clock.now():
            clock.set(when)
        return when

    # ------------------------------------------------------------------ lifecycle
    def start(
        self,
        meeting: Meeting,
        when: datetime,
        uuid: str | None = None,
        practice_session: bool = False,
        host_joins: bool | None = None,
    ) -> Instance:
        if meeting.deleted:
            raise ControlError(409, f"{meeting.kind} {meeting.id} was deleted")
        if meeting.current is not None:
            raise ControlError(409, f"{meeting.kind} {meeting.id} is already in progress")
        if uuid is None:
            uuid = meeting.uuid if not meeting.instances else self.emulator.ids.uuid()
        if uuid in self.emulator.instances:
            raise ControlError(409, f"instance uuid {uuid} already used")
        meeting.uuid = uuid
        instance = Instance(
            uuid=uuid, meeting_id=meeting.id, start_time=when, practice_session=practice_session
        )
        meeting.instances.append(instance)
        self.emulator.instances[uuid] = instance
        obj = webhook_object(meeting, uuid)
        obj["id"] = str(meeting.id)
        obj["start_time"] = isoformat(when)
        self.emulator.emit(meeting.account_id, f"{meeting.kind}.started", obj, when)
        joins = self.emulator.config.host_joins_on_start if host_joins is None else host_joins
        if joins:
            host = self.emulator.host_of(meeting)
            self.join(meeting, when, email=host.email, name=host.display_name, device_id="host")
        return instance

    def end(self, meeting: Meeting, when: datetime) -> Instance:
        instance = self._current(meeting)
        if when < instance.start_time:
            raise ControlError(400, "end time is before the start of the meeting")
        noun = meeting.kind
        for session in instance.active_sessions():
            self._close(
                meeting,
                instance,
                session,
                when,
                f"{session.name} left the {noun}.<br>Reason: Host ended the {noun}.",
            )
        instance.end_time = when
        obj = webhook_object(meeting, instance.uuid)
        obj["id"] = str(meeting.id)
        obj["start_time"] = isoformat(instance.start_time)
        obj["end_time"] = isoformat(when)
        if meeting.kind == "webinar":
            obj["practice_session"] = instance.practice_session
        self.emulator.emit(meeting.account_id, f"{meeting.kind}.ended", obj, when)
        return instance

    # ------------------------------------------------------------------ participants
    def _person(
        self,
        meeting: Meeting,
        registrant_id: str | None,
        email: str | None,
        name: str | None,
        force: bool,
    ) -> Person:
        registrant: Registrant | None = None
        if registrant_id:
            registrant = meeting.registrants.get(registrant_id)
            if registrant is None:
                raise ControlError(404, f"no registrant {registrant_id} for {meeting.id}")
        elif email:
            rid = meeting.registrants_by_email.get(email.lower())
            registrant = meeting.registrants.get(rid) if rid else None
        if registrant is not None:
            if registrant.status != "approved" and not force:
                raise ControlError(
                    409, f"registrant {registrant.id} is {registrant.status}, cannot join"
                )
            display = name or f"{registrant.first_name} {registrant.last_name}".strip()
            return Person(
                f"r:{registrant.id}", display, registrant.email, registrant.id, "", "attendee"
            )
        host = self.emulator.host_of(meeting)
        if email and email.lower() == host.email.lower():
            return Person(
                f"u:{host.id}", name or host.display_name, host.email, None, host.id, "host"
            )
        if email:
            user = self.emulator.users_by_email.get(email.lower())
            for panelist in meeting.panelists.values():
                if panelist.email.lower() == email.lower():
                    return Person(
                        f"p:{panelist.id}",
                        name or panelist.name,
                        panelist.email,
                        None,
                        user.id if user else "",
                        "panelist",
                    )
            if user is not None:
                return Person(
                    f"u:{user.id}", name or user.display_name, user.email, None, user.id, "attendee"
                )
            return Person(
                f"g:{email.lower()}", name or email.split("@")[0], email, None, "", "attendee"
            )
        if name:
            return Person(f"n:{name}", name, "", None, "", "attendee")
        raise ControlError(400, "identify the participant by registrant_id, email or name")

    def join(
        self,
        meeting: Meeting,
        when: datetime,
        registrant_id: str | None = None,
        email: str | None = None,
        name: str | None = None,
        device_id: str = "default",
        force: bool = False,
        phone_number: str = "",
        customer_key: str = "",
    ) -> Session:
        instance = self._current(meeting)
        if when < instance.start_time:
            raise ControlError(400, "join time is before the start of the meeting")
        person = self._person(meeting, registrant_id, email, name, force)
        for session in instance.active_sessions():
            if session.person_key == person.key and session.device_id == device_id:
                raise ControlError(409, f"{person.name} is already in the meeting on {device_id}")
        participant_user_id, participant_uuid = self._identity(meeting, person, device_id)
        self._join_counter += 1
        session = Session(
            user_id=str(self._join_counter),
            participant_user_id=participant_user_id,
            participant_uuid=participant_uuid,
            zoom_user_id=person.zoom_user_id,
            name=person.name,
            email=person.email,
            registrant_id=person.registrant_id,
            device_id=device_id,
            role=person.role,
            join_time=when,
            customer_key=customer_key,
            phone_number=phone_number,
            internal_user=bool(person.zoom_user_id),
            person_key=person.key,
        )
        instance.sessions.append(session)
        obj = self._participant_object(meeting, instance)
        participant = self._participant(session)
        participant["join_time"] = isoformat(when)
        obj["participant"] = participant
        self.emulator.emit(meeting.account_id, f"{meeting.kind}.participant_joined", obj, when)
        return session

    def leave(
        self,
        meeting: Meeting,
        when: datetime,
        registrant_id: str | None = None,
        email: str | None = None,
        name: str | None = None,
        device_id: str | None = None,
        reason: str | None = None,
    ) -> list[Session]:
        instance = self._current(meeting)
        person = self._person(meeting, registrant_id, email, name, force=True)
        sessions = [
            s
            for s in instance.active_sessions()
            if s.person_key == person.key and (device_id is None or s.device_id == device_id)
        ]
        if not sessions:
            raise ControlError(409, f"{person.name} is not in the meeting")
        noun = meeting.kind
        text = f"{person.name} left the {noun}.<br>Reason: {reason or f'left the {noun}'}."
        for session in sessions:
            if when < session.join_time:
                raise ControlError(400, "leave time is before the join time")
            self._close(meeting, instance, session, when, text)
        return sessions

    def _close(
        self, meeting: Meeting, instance: Instance, session: Session, when: datetime, reason: str
    ) -> None:
        session.leave_time = when
        session.leave_reason = reason
        obj = self._participant_object(meeting, instance)
        participant = self._participant(session)
        participant["leave_time"] = isoformat(when)
        participant["leave_reason"] = reason
        obj["participant"] = participant
        self.emulator.emit(meeting.account_id, f"{meeting.kind}.participant_left", obj, when)

    def _identity(self, meeting: Meeting, person: Person, device_id: str) -> tuple[str, str]:
        key = (meeting.id, f"{person.key}|{device_id}")
        if key not in self._people:
            base = self._people.get((meeting.id, person.key))
            if base is None:
                base = (self.emulator.ids.user_id(), self.emulator.ids.user_id())
                self._people[(meeting.id, person.key)] = base
            self._people[key] = (base[0], self.emulator.ids.user_id())
        return self._people[key]

    def _participant_object(self, meeting: Meeting, instance: Instance) -> dict[str, Any]:
        obj = webhook_object(meeting, instance.uuid)
        obj["id"] = str(meeting.id)
        return obj

    def _participant(self, session: Session) -> dict[str, Any]:
        participant: dict[str, Any] = {
            "user_id": session.user_id,
            "user_name": session.name,
            "id": session.zoom_user_id,
            "participant_uuid": session.participant_uuid,
            "email": session.email,
        }
        if session.registrant_id:
            participant["registrant_id"] = session.registrant_id
        participant["participant_user_id"] = session.participant_user_id
        participant["customer_key"] = session.customer_key
        participant["phone_number"] = session.phone_number
        return participant

    def _current(self, meeting: Meeting) -> Instance:
        instance = meeting.current
        if instance is None:
            raise ControlError(409, f"{meeting.kind} {meeting.id} is not in progress")
        return instance

    # ------------------------------------------------------------------ Q&A, polls
    def add_qa(self, meeting: Meeting, entries: list[dict[str, Any]]) -> Instance:
        instance = meeting.current or meeting.last_ended
        if instance is None:
            raise ControlError(409, f"{meeting.kind} {meeting.id} was never started")
        instance.qa.extend(entries)
        return instance

    def add_poll_answers(self, meeting: Meeting, entries: list[dict[str, Any]]) -> Instance:
        instance = meeting.current or meeting.last_ended
        if instance is None:
            raise ControlError(409, f"{meeting.kind} {meeting.id} was never started")
        now = isoformat(self.emulator.clock.now())
        for entry in entries:
            instance.poll_answers.append({"date_time": now, **entry})
        return instance

    # ------------------------------------------------------------------ recordings
    def _ended_instance(self, meeting: Meeting, uuid: str | None) -> Instance:
        if uuid:
            instance = self.emulator.instances.get(uuid)
            if instance is None or instance.meeting_id != meeting.id:
                raise ControlError(404, f"no instance {uuid} of {meeting.id}")
        else:
            instance = meeting.last_ended  # type: ignore[assignment]
        if instance is None or not instance.ended:
            raise ControlError(409, f"{meeting.kind} {meeting.id} has not ended yet")
        return instance

    def _new_file(
        self,
        instance: Instance,
        file_type: str,
        extension: str,
        recording_type: str,
        content: bytes,
    ) -> RecordingFile:
        assert instance.end_time is not None
        file = RecordingFile(
            id=self.emulator.ids.recording_file_id(),
            file_type=file_type,
            file_extension=extension,
            recording_type=recording_type,
            recording_start=instance.start_time,
            recording_end=instance.end_time,
            content=content,
            download_key=self.emulator.ids.opaque(40),
        )
        self.emulator.downloads[file.download_key] = (instance.meeting_id, instance.uuid, file.id)
        return file

    def _recording_of(self, meeting: Meeting, instance: Instance) -> Recording:
        if instance.recording is None:
            instance.recording = Recording(
                meeting_id=meeting.id,
                uuid=instance.uuid,
                created_at=self.emulator.clock.now(),
                password=meeting.password or self.emulator.ids.password(6),
                play_passcode=self.emulator.ids.opaque(32),
                share_token=self.emulator.ids.opaque(40),
            )
        return instance.recording

    def _download_token(self, instance: Instance) -> str:
        token = "emu_dl." + self.emulator.ids.opaque(48)
        self.emulator.download_tokens[token] = (
            instance.uuid,
            self.emulator.clock.now() + DOWNLOAD_TOKEN_LIFETIME,
        )
        return token

    def record(
        self,
        meeting: Meeting,
        when: datetime,
        uuid: str | None = None,
        include_chat: bool = False,
        emit: bool = True,
    ) -> Recording:
        instance = self._ended_instance(meeting, uuid)
        recording = self._recording_of(meeting, instance)
        config = self.emulator.config
        seed = f"{config.seed}:{instance.uuid}"
        recording.files.append(
            self._new_file(
                instance,
                "MP4",
                "MP4",
                "shared_screen_with_speaker_view",
                generated_bytes(f"{seed}:video", config.recording_video_size, b"ftypmp42"),
            )
        )
        recording.files.append(
            self._new_file(
                instance,
                "M4A",
                "M4A",
                "audio_only",
                generated_bytes(f"{seed}:audio", config.recording_audio_size, b"ftypM4A "),
            )
        )
        if include_chat:
            recording.files.append(
                self._new_file(instance, "CHAT", "TXT", "chat_file", chat_text(instance))
            )
        if emit:
            files = [
                f for f in recording.files if f.file_type != "TRANSCRIPT" and f.deleted_time is None
            ]
            self._emit_recording(meeting, instance, recording, files, "recording.completed", when)
        return recording

    def transcript(
        self, meeting: Meeting, when: datetime, uuid: str | None = None, emit: bool = True
    ) -> RecordingFile:
        instance = self._ended_instance(meeting, uuid)
        recording = self._recording_of(meeting, instance)
        file = self._new_file(instance, "TRANSCRIPT", "VTT", "audio_transcript", vtt_text(instance))
        recording.files.append(file)
        if emit:
            self._emit_recording(
                meeting, instance, recording, [file], "recording.transcript_completed", when
            )
        return file

    def _emit_recording(
        self,
        meeting: Meeting,
        instance: Instance,
        recording: Recording,
        files: list[RecordingFile],
        event: str,
        when: datetime,
    ) -> None:
        host = self.emulator.host_of(meeting)
        assert instance.end_time is not None
        minutes = max(1, round((instance.end_time - instance.start_time).total_seconds() / 60))
        obj = {
            "id": meeting.id,
            "uuid": instance.uuid,
            "host_id": meeting.host_id,
            "account_id": meeting.account_id,
            "topic": meeting.topic,
            "type": meeting.type,
            "start_time": isoformat(instance.start_time),
            "password": recording.password,
            "timezone": meeting.timezone,
            "host_email": host.email,
            "duration": minutes,
            "share_url": f"{self.emulator.public_base_url}/rec/share/{recording.share_token}",
            "total_size": sum(f.file_size for f in files),
            "recording_count": len(files),
            "recording_files": [render_file(self.emulator, f, webhook=True) for f in files],
        }
        if event == "recording.completed":
            obj["recording_play_passcode"] = recording.play_passcode
        self.emulator.emit(
            meeting.account_id,
            event,
            obj,
            when,
            download_token=self._download_token(instance),
        )


# ---------------------------------------------------------------------- file contents


def generated_bytes(seed: str, size: int, magic: bytes = b"") -> bytes:
    """Deterministic pseudo-random bytes of exactly ``size`` bytes."""
    header = (len(magic) + 8).to_bytes(4, "big") + magic if magic else b""
    out = bytearray(header)
    counter = 0
    while len(out) < size:
        out.extend(hashlib.sha256(f"{seed}:{counter}".encode()).digest())
        counter += 1
    return bytes(out[:size])


def _cue_time(seconds: float) -> str:
    seconds = max(seconds, 0)
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.000"


def vtt_text(instance: Instance) -> bytes:
    """A WebVTT transcript with one line per distinct speaker (at most 50)."""
    lines = ["WEBVTT", ""]
    seen: set[str] = set()
    index = 0
    for session in instance.sessions:
        if session.name in seen or len(seen) >= 50:
            continue
        seen.add(session.name)
        index += 1
        start = (session.join_time - instance.start_time).total_seconds() + 1
        lines += [
            str(index),
            f"{_cue_time(start)} --> {_cue_time(start + 4)}",
            f"{session.name}: Hello, this is {session.name}.",
            "",
        ]
    return "\n".join(lines).encode()


def chat_text(instance: Instance) -> bytes:
    lines = []
    for session in instance.sessions[:50]:
        offset = _cue_time((session.join_time - instance.start_time).total_seconds())[:8]
        lines.append(f"{offset}\t From {session.name} to Everyone:\n\tHi all!")
    return ("\n".join(lines) + "\n").encode()
