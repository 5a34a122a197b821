"""Creating, validating, updating and rendering meetings and webinars.

Meetings and webinars differ only in defaults, allowed types, a few field names
(``h323_password`` vs ``h323_passcode``) and URLs, so both go through this module.
Validation errors are Zoom's ``300 Validation Failed.`` with the offending field.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .clock import isoformat, parse_datetime
from .errors import ZoomError, validation_failed
from .httputil import opt_bool, opt_int, opt_str
from .models import Kind, Meeting, User
from .state import ZoomEmulator

MEETING_TYPES = (1, 2, 3, 8, 10)
WEBINAR_TYPES = (5, 6, 9)
_PASSWORD_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@-_*")

DIAL_IN_NUMBERS = [
    {
        "country": "US",
        "country_name": "US",
        "city": "New York",
        "number": "+1 555 010 0100",
        "type": "toll",
    },
    {
        "country": "US",
        "country_name": "US",
        "city": "San Jose",
        "number": "+1 555 010 0101",
        "type": "toll",
    },
    {
        "country": "US",
        "country_name": "US",
        "number": "+1 800 555 0102",
        "type": "tollfree",
    },
]

_COMMON_SETTINGS: dict[str, Any] = {
    "host_video": False,
    "approval_type": 2,
    "registration_type": 1,
    "audio": "both",
    "auto_recording": "none",
    "enforce_login": False,
    "enforce_login_domains": "",
    "alternative_hosts": "",
    "alternative_host_update_polls": False,
    "close_registration": False,
    "show_share_button": False,
    "allow_multiple_devices": False,
    "registrants_confirmation_email": True,
    "registrants_email_notification": True,
    "meeting_authentication": False,
    "global_dial_in_countries": ["US"],
    "email_in_attendee_report": False,
    "add_watermark": False,
    "add_audio_watermark": False,
    "audio_conference_info": "",
    "contact_name": "",
    "contact_email": "",
    "sign_language_interpretation": {"enable": False, "interpreters": []},
    "language_interpretation": {"enable": False, "interpreters": []},
    "allow_host_control_participant_mute_state": False,
}

MEETING_SETTINGS: dict[str, Any] = {
    **_COMMON_SETTINGS,
    "participant_video": False,
    "cn_meeting": False,
    "in_meeting": False,
    "join_before_host": False,
    "jbh_time": 0,
    "mute_upon_entry": False,
    "watermark": False,
    "use_pmi": False,
    "alternative_hosts_email_notification": True,
    "waiting_room": False,
    "encryption_type": "enhanced_encryption",
    "approved_or_denied_countries_or_regions": {"enable": False},
    "breakout_room": {"enable": False},
    "device_testing": False,
    "focus_mode": False,
    "private_meeting": False,
    "email_notification": True,
    "host_save_video_order": False,
    "internal_meeting": False,
    "continuous_meeting_chat": {"enable": False},
    "participant_focused_meeting": False,
    "push_change_to_calendar": False,
    "auto_start_meeting_summary": False,
    "auto_start_ai_companion_questions": False,
    "calendar_type": 1,
    "disable_participant_video": False,
}

WEBINAR_SETTINGS: dict[str, Any] = {
    **_COMMON_SETTINGS,
    "panelists_video": True,
    "practice_session": False,
    "hd_video": False,
    "hd_video_for_attendees": False,
    "send_1080p_video_to_attendees": False,
    "on_demand": False,
    "post_webinar_survey": False,
    "survey_url": "",
    "registrants_restrict_number": 0,
    "notify_registrants": True,
    "email_language": "en-US",
    "panelists_invitation_email_notification": True,
    "panelist_authentication": False,
    "enable_session_branding": False,
    "question_and_answer": {
        "enable": True,
        "allow_submit_questions": True,
        "allow_anonymous_questions": True,
        "answer_questions": "all",
        "attendees_can_comment": True,
        "attendees_can_upvote": True,
        "allow_auto_reply": False,
        "auto_reply_text": "",
    },
    "attendees_and_panelists_reminder_email_notification": {"enable": True, "type": 0},
    "follow_up_attendees_email_notification": {"enable": False, "type": 0},
    "follow_up_absentees_email_notification": {"enable": False, "type": 0},
}

_SETTING_CHOICES: dict[str, tuple[Any, ...]] = {
    "approval_type": (0, 1, 2),
    "registration_type": (1, 2, 3),
    "auto_recording": ("local", "cloud", "none"),
    "audio": ("both", "telephony", "voip", "thirdParty"),
    "jbh_time": (0, 5, 10, 15),
    "encryption_type": ("enhanced_encryption", "e2ee"),
    "calendar_type": (1, 2),
}


# ---------------------------------------------------------------------- validation


def _validate_settings(raw: Any, kind: Kind) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise validation_failed("settings")
    defaults = MEETING_SETTINGS if kind == "meeting" else WEBINAR_SETTINGS
    for key, value in raw.items():
        if key in _SETTING_CHOICES and value not in _SETTING_CHOICES[key]:
            raise validation_failed(f"settings.{key}")
        default = defaults.get(key)
        if isinstance(default, bool) and not isinstance(value, bool):
            raise validation_failed(f"settings.{key}")
        if isinstance(default, dict) and not isinstance(value, dict):
            raise validation_failed(f"settings.{key}")
    if "audio_conference_info" in raw and len(str(raw["audio_conference_info"])) > 2048:
        raise validation_failed("settings.audio_conference_info")
    return raw


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise validation_failed("timezone") from None


def _start_time(value: Any, timezone: str) -> datetime:
    if not isinstance(value, str):
        raise validation_failed("start_time")
    text = value.strip()
    try:
        if text.endswith("Z") or "+" in text[10:] or text[10:].count("-") > 0:
            return parse_datetime(text)
        local = datetime.fromisoformat(text)
    except ValueError:
        raise validation_failed("start_time") from None
    # Local time in ``timezone`` (Zoom: "yyyy-MM-ddTHH:mm:ss" with a timezone field).
    return local.replace(tzinfo=_timezone(timezone)).astimezone(UTC)


def _password(value: str) -> str:
    if len(value) > 10 or not set(value) <= _PASSWORD_CHARS:
        raise validation_failed("password", "Invalid password.")
    return value


def _recurrence(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise validation_failed("recurrence")
    rtype = opt_int(raw, "type", (1, 2, 3))
    if rtype is None:
        raise validation_failed("recurrence.type", "This field is required.")
    interval = opt_int(raw, "repeat_interval") or 1
    if interval < 1:
        raise validation_failed("recurrence.repeat_interval")
    end_times = opt_int(raw, "end_times")
    if end_times is not None and not 1 <= end_times <= 60:
        raise validation_failed("recurrence.end_times")
    result = dict(raw)
    result["repeat_interval"] = interval
    if end_times is None and "end_date_time" not in raw:
        result["end_times"] = 1
    return result


def occurrences_for(
    start: datetime, duration: int, recurrence: dict[str, Any]
) -> list[dict[str, Any]]:
    """Expand a recurrence into Zoom occurrences (ids are start times in ms)."""
    rtype = recurrence["type"]
    interval = recurrence.get("repeat_interval", 1)
    end_times = recurrence.get("end_times")
    end_dt = (
        parse_datetime(recurrence["end_date_time"]) if recurrence.get("end_date_time") else None
    )
    limit = end_times if end_times is not None else 60
    starts: list[datetime] = []
    if rtype == 1:
        candidate = start
        while len(starts) < limit and (end_dt is None or candidate <= end_dt):
            starts.append(candidate)
            candidate += timedelta(days=interval)
    elif rtype == 2:
        raw_days = str(recurrence.get("weekly_days") or "")
        # Zoom: 1 = Sunday ... 7 = Saturday; Python: Monday = 0.
        days = {(int(d) - 2) % 7 for d in raw_days.split(",") if d.strip()} or {start.weekday()}
        week_start = start - timedelta(days=start.weekday())
        week = 0
        while len(starts) < limit and week < 520:
            for offset in range(7):
                candidate = week_start + timedelta(weeks=week * interval, days=offset)
                if candidate < start or candidate.weekday() not in days:
                    continue
                if end_dt is not None and candidate > end_dt:
                    break
                if len(starts) < limit:
                    starts.append(candidate)
            week += 1
            if end_dt is not None and week_start + timedelta(weeks=week * interval) > end_dt:
                break
    else:
        day = recurrence.get("monthly_day") or start.day
        month_index = 0
        while len(starts) < limit and month_index < 240:
            total = start.month - 1 + month_index * interval
            year, month = start.year + total // 12, total % 12 + 1
            try:
                candidate = start.replace(year=year, month=month, day=day)
            except ValueError:
                month_index += 1
                continue
            if end_dt is not None and candidate > end_dt:
                break
            if candidate >= start:
                starts.append(candidate)
            month_index += 1
    return [
        {
            "occurrence_id": str(int(s.timestamp() * 1000)),
            "start_time": isoformat(s),
            "duration": duration,
            "status": "available",
        }
        for s in starts
    ]


def apply_fields(emulator: ZoomEmulator, meeting: Meeting, body: dict[str, Any]) -> None:
    """Validate ``body`` (create or PATCH) and write it into ``meeting``."""
    allowed = MEETING_TYPES if meeting.kind == "meeting" else WEBINAR_TYPES
    topic = opt_str(body, "topic", 200)
    agenda = opt_str(body, "agenda", 2000)
    mtype = opt_int(body, "type", allowed)
    duration = opt_int(body, "duration")
    timezone = opt_str(body, "timezone")
    password = opt_str(body, "password")
    settings = _validate_settings(body.get("settings"), meeting.kind)
    if duration is not None and duration < 0:
        raise validation_failed("duration")
    if timezone:
        _timezone(timezone)
        meeting.timezone = timezone
    if topic is not None:
        meeting.topic = topic
    if agenda is not None:
        meeting.agenda = agenda
    if mtype is not None:
        meeting.type = mtype
    if duration is not None:
        meeting.duration = duration
    if "start_time" in body and body["start_time"] is not None:
        meeting.start_time = _start_time(body["start_time"], meeting.timezone)
    if password is not None:
        set_password(emulator, meeting, _password(password))
    for flag in ("pre_schedule", "is_simulive", "default_password", "default_passcode"):
        opt_bool(body, flag)
    if body.get("pre_schedule") is not None:
        meeting.pre_schedule = bool(body["pre_schedule"])
    if body.get("is_simulive") is not None:
        meeting.is_simulive = bool(body["is_simulive"])
    if "tracking_fields" in body:
        fields = body["tracking_fields"]
        if not isinstance(fields, list) or not all(
            isinstance(f, dict) and isinstance(f.get("field"), str) for f in fields
        ):
            raise validation_failed("tracking_fields")
        meeting.tracking_fields = [
            {"field": f["field"], "value": str(f.get("value", ""))} for f in fields
        ]
    for name in ("template_id", "record_file_id"):
        if isinstance(body.get(name), str):
            setattr(meeting, name, body[name])
    if settings:
        meeting.settings = _merge(meeting.settings, settings)
    if "recurrence" in body and body["recurrence"] is not None:
        meeting.recurrence = _recurrence(body["recurrence"])
    if meeting.type in (8, 9):
        if meeting.recurrence is None:
            raise validation_failed("recurrence", "This field is required.")
        if meeting.start_time is None:
            meeting.start_time = emulator.clock.now().replace(microsecond=0)
        meeting.occurrences = occurrences_for(
            meeting.start_time, meeting.duration, meeting.recurrence
        )
    elif meeting.type in (3, 6):
        meeting.occurrences = []
    else:
        meeting.recurrence = None
        meeting.occurrences = []
        if meeting.start_time is None and meeting.type not in (3, 6):
            meeting.start_time = emulator.clock.now().replace(microsecond=0)


def set_password(emulator: ZoomEmulator, meeting: Meeting, password: str) -> None:
    meeting.password = password
    numeric = password if password.isdigit() else emulator.ids.digits(6)
    meeting.h323_password = numeric
    meeting.pstn_password = numeric
    meeting.encrypted_password = emulator.ids.opaque(32)


def new_meeting(emulator: ZoomEmulator, host: User, kind: Kind, body: dict[str, Any]) -> Meeting:
    defaults = MEETING_SETTINGS if kind == "meeting" else WEBINAR_SETTINGS
    settings = copy.deepcopy(defaults)
    settings["contact_name"] = host.display_name
    settings["contact_email"] = host.email
    settings["global_dial_in_numbers"] = copy.deepcopy(DIAL_IN_NUMBERS)
    meeting = Meeting(
        id=emulator.ids.meeting_id(),
        uuid=emulator.ids.uuid(),
        kind=kind,
        host_id=host.id,
        account_id=host.account_id,
        topic="Zoom Meeting" if kind == "meeting" else "Zoom Webinar",
        type=2 if kind == "meeting" else 5,
        start_time=None,
        duration=60,
        timezone=host.timezone,
        agenda="",
        password="",
        encrypted_password="",
        h323_password="",
        pstn_password="",
        created_at=emulator.clock.now().replace(microsecond=0),
        settings=settings,
        registration_key=emulator.ids.opaque(22),
    )
    apply_fields(emulator, meeting, body)
    if not meeting.password:
        set_password(emulator, meeting, emulator.ids.password(6))
    return meeting


def check_host_can_schedule(emulator: ZoomEmulator, host: User, kind: Kind) -> None:
    if kind == "webinar" and (not host.webinar or emulator.plans.get(host.account_id) == "free"):
        raise ZoomError(
            400,
            200,
            "Webinar plan is missing. You must subscribe to the webinar plan and enable "
            "webinars for this user in order to perform this action.",
        )
    if host.status != "active":
        raise ZoomError(
            400,
            3161,
            "Meeting hosting and scheduling capabilities are not allowed for your user account.",
        )


# ---------------------------------------------------------------------- rendering


def join_url(emulator: ZoomEmulator, meeting: Meeting) -> str:
    letter = "j" if meeting.kind == "meeting" else "w"
    return f"{emulator.public_base_url}/{letter}/{meeting.id}?pwd={meeting.encrypted_password}"


def start_url(emulator: ZoomEmulator, meeting: Meeting) -> str:
    return f"{emulator.public_base_url}/s/{meeting.id}?zak={meeting.registration_key}"


def registration_url(emulator: ZoomEmulator, meeting: Meeting) -> str:
    prefix = "meeting" if meeting.kind == "meeting" else "webinar"
    tag = "tZ" if meeting.kind == "meeting" else "WN_"
    return f"{emulator.public_base_url}/{prefix}/register/{tag}{meeting.registration_key}"


def status_of(meeting: Meeting) -> str:
    return "started" if meeting.current is not None else "waiting"


def render(emulator: ZoomEmulator, meeting: Meeting) -> dict[str, Any]:
    """The GET/POST representation (Zoom's meeting or webinar object)."""
    host = emulator.host_of(meeting)
    body: dict[str, Any] = {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "host_id": meeting.host_id,
        "host_email": host.email,
        "assistant_id": "",
        "topic": meeting.topic,
        "type": meeting.type,
        "status": status_of(meeting),
    }
    if meeting.start_time is not None and meeting.type not in (3, 6):
        body["start_time"] = isoformat(meeting.start_time)
    body["duration"] = meeting.duration
    body["timezone"] = meeting.timezone
    body["agenda"] = meeting.agenda
    body["created_at"] = isoformat(meeting.created_at)
    body["start_url"] = start_url(emulator, meeting)
    body["join_url"] = join_url(emulator, meeting)
    if meeting.registration_enabled:
        body["registration_url"] = registration_url(emulator, meeting)
    body["password"] = meeting.password
    if meeting.kind == "meeting":
        body["h323_password"] = meeting.h323_password
        body["pstn_password"] = meeting.pstn_password
        body["encrypted_password"] = meeting.encrypted_password
        body["pre_schedule"] = meeting.pre_schedule
    else:
        body["h323_passcode"] = meeting.h323_password
        body["encrypted_passcode"] = meeting.encrypted_password
        body["registrants_confirmation_email"] = bool(
            meeting.settings.get("registrants_confirmation_email", True)
        )
        body["is_simulive"] = meeting.is_simulive
        if meeting.record_file_id:
            body["record_file_id"] = meeting.record_file_id
    if meeting.occurrences:
        body["occurrences"] = [dict(o) for o in meeting.occurrences]
    if meeting.recurrence is not None:
        body["recurrence"] = dict(meeting.recurrence)
    body["settings"] = copy.deepcopy(meeting.settings)
    if meeting.tracking_fields:
        body["tracking_fields"] = [dict(t, visible=True) for t in meeting.tracking_fields]
    if meeting.template_id:
        body["template_id"] = meeting.template_id
    body["creation_source"] = "open_api"
    return body


def render_summary(emulator: ZoomEmulator, meeting: Meeting) -> dict[str, Any]:
    """One item of ``GET /users/{userId}/meetings`` or ``.../webinars``."""
    body: dict[str, Any] = {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "host_id": meeting.host_id,
        "topic": meeting.topic,
        "type": meeting.type,
    }
    if meeting.start_time is not None and meeting.type not in (3, 6):
        body["start_time"] = isoformat(meeting.start_time)
    body["duration"] = meeting.duration
    body["timezone"] = meeting.timezone
    body["agenda"] = meeting.agenda
    body["created_at"] = isoformat(meeting.created_at)
    body["join_url"] = join_url(emulator, meeting)
    if meeting.kind == "webinar":
        body["is_simulive"] = meeting.is_simulive
    return body


def webhook_object(meeting: Meeting, uuid: str | None = None) -> dict[str, Any]:
    """The ``payload.object`` core shared by meeting/webinar events."""
    body: dict[str, Any] = {
        "id": meeting.id,
        "uuid": uuid or meeting.uuid,
        "host_id": meeting.host_id,
        "topic": meeting.topic,
        "type": meeting.type,
    }
    if meeting.start_time is not None:
        body["start_time"] = isoformat(meeting.start_time)
    body["timezone"] = meeting.timezone
    body["duration"] = meeting.duration
    return body


def meeting_is_over(emulator: ZoomEmulator, meeting: Meeting) -> bool:
    """Non-recurring meetings are over once held and ended (3038 for registration)."""
    if meeting.recurring:
        return False
    return meeting.last_ended is not None and meeting.current is None
