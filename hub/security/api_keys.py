"""API keys for the ingest API, from HUB_API_KEYS (comma-separated).

Keys are compared in constant time against every configured key, so neither a key's
prefix nor its position in the list can be learned from response timing.
"""

from __future__ import annotations

import hmac
import os

from hub.observability.redaction import register_secret

ENV_API_KEYS = "HUB_API_KEYS"


class ApiKeys:
    def __init__(self, keys: list[str]) -> None:
        self._keys = [k.encode() for k in keys if k]
        for key in keys:
            register_secret(key)

    @classmethod
    def from_env(cls) -> ApiKeys:
        return cls([k.strip() for k in os.environ.get(ENV_API_KEYS, "").split(",") if k.strip()])

    def __bool__(self) -> bool:
        return bool(self._keys)

    def check(self, presented: str | None) -> bool:
        if not presented or not self._keys:
            return False
        candidate = presented.encode()
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(candidate, key)
        return matched

    def check_authorization(self, header: str | None) -> bool:
        if not header:
            return False
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and self.check(token.strip())

    def __repr__(self) -> str:
        return f"ApiKeys(<{len(self._keys)} keys hidden>)"
