"""Identifier generation, deterministic for a given seed.

Zoom's identifiers have recognisable shapes (11-digit meeting ids, 24-character
base64 UUIDs that may contain ``/`` and ``+``, 22-character user and registrant ids);
clients sometimes depend on those shapes (URL encoding of UUIDs in particular), so the
emulator reproduces them.  A seeded generator makes runs repeatable.
"""

from __future__ import annotations

import base64
import random
import string

_URLSAFE = string.ascii_letters + string.digits + "-_"
_ALNUM = string.ascii_letters + string.digits


class IdFactory:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"zoom-emulator-ids-{seed}")
        self._issued: set[str] = set()

    def _fresh(self, value: str) -> bool:
        if value in self._issued:
            return False
        self._issued.add(value)
        return True

    def meeting_id(self) -> int:
        """An 11-digit meeting or webinar number, as Zoom issues today."""
        while True:
            value = self._rng.randrange(81_000_000_000, 99_999_999_999)
            if self._fresh(f"m{value}"):
                return value

    def uuid(self) -> str:
        """A meeting-instance UUID: base64 of 16 bytes (may contain '/', '+', '//')."""
        while True:
            value = base64.b64encode(self._rng.randbytes(16)).decode()
            if self._fresh(value):
                return value

    def user_id(self) -> str:
        return self._token(22, _URLSAFE)

    def registrant_id(self) -> str:
        return self._token(22, _URLSAFE)

    def opaque(self, length: int = 32) -> str:
        return self._token(length, _URLSAFE)

    def password(self, length: int = 6) -> str:
        return "".join(self._rng.choice(_ALNUM) for _ in range(length))

    def digits(self, length: int) -> str:
        first = self._rng.choice("123456789")
        return first + "".join(self._rng.choice(string.digits) for _ in range(length - 1))

    def recording_file_id(self) -> str:
        raw = self._rng.randbytes(16).hex()
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"

    def request_id(self) -> str:
        raw = self._rng.randbytes(16).hex()
        return f"{raw[:8]}_{raw[8:12]}_{raw[12:16]}_{raw[16:20]}_{raw[20:]}"

    def _token(self, length: int, alphabet: str) -> str:
        while True:
            value = "".join(self._rng.choice(alphabet) for _ in range(length))
            if self._fresh(value):
                return value
