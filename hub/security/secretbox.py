"""Encrypts secrets (OAuth tokens) before they reach the database.

The key comes from HUB_SECRET_KEY. Any string of at least 32 characters is accepted and
stretched with HKDF into a Fernet key, so operators can use a password manager's output
directly; ``hub keygen`` prints a suitable random value.
"""

from __future__ import annotations

import base64
import os
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.errors import ConfigError
from hub.observability.redaction import register_secret

ENV_SECRET_KEY = "HUB_SECRET_KEY"
MIN_KEY_LENGTH = 32


class SecretBox:
    """Authenticated encryption of short secrets; ``open`` fails loudly on tampering."""

    def __init__(self, key: str) -> None:
        if len(key) < MIN_KEY_LENGTH:
            raise ConfigError(
                f"{ENV_SECRET_KEY} must be at least {MIN_KEY_LENGTH} characters "
                "(generate one with `hub keygen`)"
            )
        register_secret(key)
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(key, "hub secret box v1")))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise ConfigError(
                f"a stored secret cannot be decrypted: was {ENV_SECRET_KEY} changed?"
            ) from None

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"


def derive_key(key: str, purpose: str, length: int = 32) -> bytes:
    """A key for one purpose (HKDF-SHA256 of HUB_SECRET_KEY, ``purpose`` as info): keys
    for different purposes are unrelated, so one leaking reveals nothing of the others."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode()).derive(
        key.encode()
    )


def secret_box_from_env() -> SecretBox | None:
    key = os.environ.get(ENV_SECRET_KEY)
    return SecretBox(key) if key else None


def generate_key() -> str:
    return secrets.token_urlsafe(48)
