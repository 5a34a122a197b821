"""Building URL paths from Zoom ids, emails and meeting UUIDs.

Zoom meeting UUIDs are base64 and may contain ``/``, ``+`` and ``=``. Zoom decodes a path
segment once before routing, so a UUID that *begins with* ``/`` or *contains* ``//`` must be
URL-encoded twice (once for the path, once more for Zoom's own decoding); any other UUID is
encoded once. Getting this wrong returns 404 for exactly the meetings whose UUIDs happen to
contain those characters, which is why every id goes through these helpers.
"""

from __future__ import annotations

from urllib.parse import quote


def segment(value: str | int) -> str:
    """Encode one id, email or ``me`` as a single path segment (``/`` becomes ``%2F``)."""
    return quote(str(value), safe="")


def encode_uuid(uuid: str | int) -> str:
    """Encode a meeting/webinar UUID (or a numeric id) for use as a path segment.

    >>> encode_uuid("/ajXp112QmuoKj4854875==")
    '%252FajXp112QmuoKj4854875%253D%253D'
    >>> encode_uuid("4444AAAiAAAAAiAiAiiAii==")
    '4444AAAiAAAAAiAiAiiAii%3D%3D'
    """
    text = str(uuid)
    once = quote(text, safe="")
    if text.startswith("/") or "//" in text:
        return quote(once, safe="")
    return once
