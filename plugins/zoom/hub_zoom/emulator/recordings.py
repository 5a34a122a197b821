"""Cloud recordings: get, delete (trash or permanently), delete one file, list a user's
recordings, and download files.

Downloads behave like Zoom's: ``download_url`` needs a bearer token (an access token
of the account, or the ``download_token`` sent with the recording webhook) and answers
with a redirect to a short-lived signed file URL, so clients must follow redirects.
File contents are generated deterministically and ``file_size`` is their exact size.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from litestar import Request, Response, delete, get, patch
from litestar.response import Redirect

from .clock import isoformat
from .errors import ZoomError, no_recording, validation_failed
from .httputil import empty_response, json_response, query, read_json, token_of
from .models import Instance, Meeting, Recording, RecordingFile
from .state import ZoomEmulator

API = {"zoom": "api"}
CONTENT_TYPES = {
    "MP4": "video/mp4",
    "M4A": "audio/mp4",
    "VTT": "text/vtt",
    "TXT": "text/plain",
}
SIGNED_URL_LIFETIME = timedelta(minutes=10)


def _emulator(request: Request[Any, Any, Any]) -> ZoomEmulator:
    return request.app.state.emulator  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- rendering


def render_file(
    emulator: ZoomEmulator, file: RecordingFile, webhook: bool = False
) -> dict[str, Any]:
    _, uuid, _ = emulator.downloads.get(file.download_key, (0, "", ""))
    base = emulator.public_base_url
    body: dict[str, Any] = {
        "id": file.id,
        "meeting_id": uuid,
        "recording_start": isoformat(file.recording_start),
        "recording_end": isoformat(file.recording_end),
        "file_type": file.file_type,
        "file_extension": file.file_extension,
        "file_size": file.file_size,
        "play_url": f"{base}/rec/play/{file.download_key}",
        "download_url": f"{base}/rec/download/{file.download_key}",
        "status": file.status,
        "recording_type": file.recording_type,
    }
    if not webhook:
        body["file_path"] = ""
    if file.deleted_time is not None:
        body["deleted_time"] = isoformat(file.deleted_time)
    return body


def render_recording(
    emulator: ZoomEmulator,
    meeting: Meeting,
    instance: Instance,
    recording: Recording,
    trash: bool = False,
) -> dict[str, Any]:
    files = [f for f in recording.files if (f.deleted_time is not None) == trash]
    assert instance.end_time is not None
    minutes = max(1, round((instance.end_time - instance.start_time).total_seconds() / 60))
    return {
        "uuid": instance.uuid,
        "id": meeting.id,
        "account_id": meeting.account_id,
        "host_id": meeting.host_id,
        "topic": meeting.topic,
        # The Meetings spec types recording ``type`` as a string ("1".."99"), unlike
        # the integer in webhooks; responses follow the spec.
        "type": str(meeting.type),
        "start_time": isoformat(instance.start_time),
        "duration": minutes,
        "total_size": sum(f.file_size for f in files),
        "recording_count": len(files),
        "share_url": f"{emulator.public_base_url}/rec/share/{recording.share_token}",
        "recording_files": [render_file(emulator, f) for f in files],
        "password": recording.password,
        "recording_play_passcode": recording.play_passcode,
        "auto_delete": False,
    }


# ---------------------------------------------------------------------- lookup


def _instance_with_recording(
    emulator: ZoomEmulator, ref: str, token_account: str
) -> tuple[Meeting, Instance, Recording]:
    value = unquote(ref)
    candidates: list[Instance] = []
    meeting: Meeting | None = None
    if value in emulator.instances:
        instance = emulator.instances[value]
        meeting = emulator.meetings.get(instance.meeting_id)
        candidates = [instance]
    else:
        try:
            meeting = emulator.meetings.get(int(value))
        except ValueError:
            meeting = None
        if meeting is not None:
            candidates = list(reversed(meeting.instances))
    if meeting is None or meeting.account_id != token_account:
        raise no_recording()
    for instance in candidates:
        recording = instance.recording
        if recording is not None and any(f.deleted_time is None for f in recording.files):
            return meeting, instance, recording
    raise no_recording()


# ---------------------------------------------------------------------- API routes


@get(
    "/meetings/{meetingId:str}/recordings",
    opt={**API, "category": "light", "operation": "recordingGet"},
)
async def recording_get(request: Request[Any, Any, Any], meetingId: str) -> Response[bytes]:
    emulator = _emulator(request)
    token = token_of(request)
    meeting, instance, recording = _instance_with_recording(
        emulator, meetingId, token.grant.account_id
    )
    body = render_recording(emulator, meeting, instance, recording)
    if "download_access_token" in (request.query_params.get("include_fields") or ""):
        ttl_raw = request.query_params.get("ttl")
        ttl = int(ttl_raw) if ttl_raw and ttl_raw.isdigit() else 86_400
        if not 0 <= ttl <= 604_800:
            raise validation_failed("ttl")
        dl = "emu_dl." + emulator.ids.opaque(48)
        emulator.download_tokens[dl] = (
            instance.uuid,
            emulator.clock.now() + timedelta(seconds=ttl),
        )
        body["download_access_token"] = dl
    return json_response(body)


def _action(request: Request[Any, Any, Any]) -> str:
    action = request.query_params.get("action") or "trash"
    if action not in ("trash", "delete"):
        raise validation_failed("action")
    return action


def _purge(emulator: ZoomEmulator, files: list[RecordingFile]) -> None:
    for file in files:
        emulator.downloads.pop(file.download_key, None)


@delete(
    "/meetings/{meetingId:str}/recordings",
    opt={**API, "category": "light", "operation": "recordingDelete"},
    status_code=200,
)
async def recording_delete(request: Request[Any, Any, Any], meetingId: str) -> Response[bytes]:
    emulator = _emulator(request)
    token = token_of(request)
    action = _action(request)
    _, instance, recording = _instance_with_recording(emulator, meetingId, token.grant.account_id)
    now = emulator.clock.now()
    if action == "delete":
        _purge(emulator, recording.files)
        instance.recording = None
    else:
        for file in recording.files:
            if file.deleted_time is None:
                file.deleted_time = now
    # The spec documents "200 Recordings deleted" without a body.
    return empty_response(200)


@delete(
    "/meetings/{meetingId:str}/recordings/{recordingId:str}",
    opt={**API, "category": "light", "operation": "recordingDeleteOne"},
    status_code=200,
)
async def recording_delete_one(
    request: Request[Any, Any, Any],
    meetingId: str,
    recordingId: str,
) -> Response[bytes]:
    emulator = _emulator(request)
    token = token_of(request)
    action = _action(request)
    _, _, recording = _instance_with_recording(emulator, meetingId, token.grant.account_id)
    matches = [f for f in recording.files if f.id == recordingId and f.deleted_time is None]
    if not matches:
        raise ZoomError(404, 3301, "Recording file does not exist.")
    file = matches[0]
    if action == "delete":
        recording.files.remove(file)
        _purge(emulator, [file])
    else:
        file.deleted_time = emulator.clock.now()
    return empty_response(200)


# ``PATCH .../recordings/settings`` fields the emulator keeps, with their JSON types.
SETTING_TYPES: dict[str, type | tuple[type, ...]] = {
    "share_recording": str,
    "recording_authentication": bool,
    "viewer_download": bool,
    "on_demand": bool,
    "approval_type": int,
    "send_email_to_host": bool,
    "show_social_share_buttons": bool,
    "auto_delete": bool,
    "password": str,
    "topic": str,
    "authentication_option": str,
    "authentication_domains": str,
}
SHARE_VALUES = ("publicly", "internally", "none")


@get(
    "/meetings/{meetingId:str}/recordings/settings",
    opt={**API, "category": "light", "operation": "recordingSettingUpdate"},
)
async def recording_settings_get(
    request: Request[Any, Any, Any], meetingId: str
) -> Response[bytes]:
    emulator = _emulator(request)
    token = token_of(request)
    meeting, _, recording = _instance_with_recording(emulator, meetingId, token.grant.account_id)
    # The simulator's generated passcodes are shorter than the settings schema allows, so
    # only a passcode set through PATCH is shown here.
    body = {"topic": meeting.topic, **recording.settings}
    return json_response(body)


@patch(
    "/meetings/{meetingId:str}/recordings/settings",
    opt={**API, "category": "light", "operation": "recordingSettingsUpdate"},
    status_code=200,  # the declared default; the answer is an empty 204
)
async def recording_settings_update(
    request: Request[Any, Any, Any], meetingId: str
) -> Response[bytes]:
    emulator = _emulator(request)
    token = token_of(request)
    body = await read_json(request, required=True)
    _, _, recording = _instance_with_recording(emulator, meetingId, token.grant.account_id)
    for key, value in body.items():
        expected = SETTING_TYPES.get(key)
        if (
            expected is None
            or not isinstance(value, expected)
            or (expected is int and isinstance(value, bool))
        ):
            raise validation_failed(key)
    if body.get("share_recording", "none") not in SHARE_VALUES:
        raise validation_failed("share_recording")
    if body.get("approval_type", 0) not in (0, 1, 2):
        raise validation_failed("approval_type")
    password = body.get("password")
    if password is not None:
        if not 8 <= len(password) <= 10:
            raise validation_failed("password")
        recording.password = password
    recording.settings.update(body)
    return empty_response(204)


def _add_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _date_param(params: dict[str, str], name: str, default: date) -> date:
    raw = params.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise validation_failed(name) from None


@get(
    "/users/{userId:str}/recordings",
    opt={**API, "category": "medium", "operation": "recordingsList"},
)
async def recordings_list(request: Request[Any, Any, Any], userId: str) -> Response[bytes]:
    emulator = _emulator(request)
    token = token_of(request)
    user = emulator.resolve_user(userId, token)
    params = query(request)
    today = emulator.clock.now().date()
    start = _date_param(params, "from", today)
    end = _date_param(params, "to", today)
    if end < start:
        raise ZoomError(400, 300, "The 'to' date must be on or after the 'from' date.")
    if end > _add_month(start):
        raise ZoomError(400, 300, "The maximum date range for this request is one month.")
    trash = params.get("trash") == "true"
    meeting_filter = params.get("meeting_id")
    items: list[dict[str, Any]] = []
    for meeting in emulator.meetings.values():
        if meeting.host_id != user.id:
            continue
        if meeting_filter and str(meeting.id) != meeting_filter:
            continue
        for instance in meeting.instances:
            recording = instance.recording
            if recording is None or not start <= instance.start_time.date() <= end:
                continue
            rendered = render_recording(emulator, meeting, instance, recording, trash=trash)
            if rendered["recording_files"]:
                items.append(rendered)
    items.sort(key=lambda r: r["start_time"], reverse=True)
    page = emulator.paginator.page(
        items, params, scope=f"recordings:{user.id}:{start}:{end}:{trash}"
    )
    body = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        **page.envelope("meetings", with_page_number=False),
    }
    return json_response(body)


API_ROUTES = [
    recording_get,
    recording_settings_get,
    recording_settings_update,
    recording_delete,
    recording_delete_one,
    recordings_list,
]


# ---------------------------------------------------------------------- downloads


def _signature(emulator: ZoomEmulator, key: str, expires: int) -> str:
    secret = f"{emulator.config.seed}:{emulator.config.client_secret}".encode()
    return hmac.new(secret, f"{key}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def _authorized(
    emulator: ZoomEmulator, request: Request[Any, Any, Any], uuid: str, account: str
) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    presented = token.strip() if scheme.lower() == "bearer" else ""
    presented = presented or request.query_params.get("access_token", "")
    if not presented:
        return False
    download = emulator.download_tokens.get(presented)
    if download is not None:
        return download[0] == uuid and emulator.clock.now() < download[1]
    checked = emulator.tokens.check_access(presented)
    return not isinstance(checked, str) and checked.grant.account_id == account


def _locate(emulator: ZoomEmulator, key: str) -> tuple[Meeting, RecordingFile] | None:
    entry = emulator.downloads.get(key)
    if entry is None:
        return None
    meeting_id, uuid, file_id = entry
    meeting = emulator.meetings.get(meeting_id)
    instance = emulator.instances.get(uuid)
    if meeting is None or instance is None or instance.recording is None:
        return None
    for file in instance.recording.files:
        if file.id == file_id and file.deleted_time is None:
            return meeting, file
    return None


@get("/download/{key:str}", opt={"zoom": "download"})
async def download(request: Request[Any, Any, Any], key: str) -> Response[Any]:
    emulator = _emulator(request)
    located = _locate(emulator, key)
    entry = emulator.downloads.get(key)
    if located is None or entry is None:
        raise no_recording()
    meeting, _ = located
    if not _authorized(emulator, request, entry[1], meeting.account_id):
        raise ZoomError(401, 124, "Invalid access token.")
    expires = int((emulator.clock.now() + SIGNED_URL_LIFETIME).timestamp())
    location = (
        f"{emulator.base_url}/rec/file/{key}?expires={expires}"
        f"&signature={_signature(emulator, key, expires)}"
    )
    return Redirect(path=location, status_code=302)


@get("/file/{key:str}", opt={"zoom": "download"})
async def signed_file(request: Request[Any, Any, Any], key: str) -> Response[bytes]:
    emulator = _emulator(request)
    located = _locate(emulator, key)
    if located is None:
        raise no_recording()
    _, file = located
    try:
        expires = int(request.query_params.get("expires", "0"))
    except ValueError:
        expires = 0
    signature = request.query_params.get("signature", "")
    valid = hmac.compare_digest(signature, _signature(emulator, key, expires))
    if (
        not valid
        or datetime.fromtimestamp(expires, emulator.clock.now().tzinfo) < emulator.clock.now()
    ):
        return Response(content=b"Access denied", status_code=403, media_type="text/plain")
    filename = f"{file.recording_type}.{file.file_extension.lower()}"
    return Response(
        content=file.content,
        media_type=CONTENT_TYPES.get(file.file_extension, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


DOWNLOAD_ROUTES = [download, signed_file]
