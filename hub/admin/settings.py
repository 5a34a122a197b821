"""Admin settings read once when the app is built.

The password comes from the environment only (never hub.toml, so it cannot end up in a
repository); the session and CSRF keys are derived from HUB_SECRET_KEY with HKDF under
their own labels, so neither can be used to open the secret box or each other.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from hub.observability.redaction import register_secret
from hub.security.secretbox import ENV_SECRET_KEY, MIN_KEY_LENGTH, derive_key

ENV_ADMIN_PASSWORD = "HUB_ADMIN_PASSWORD"
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class AdminSettings:
    """What the admin needs to run; ``disabled_reason`` says why it cannot when it cannot."""

    password: str | None
    session_key: bytes | None
    csrf_secret: str | None
    disabled_reason: str | None = None

    @property
    def enabled(self) -> bool:
        return self.disabled_reason is None

    def password_matches(self, candidate: str) -> bool:
        """Constant-time comparison of digests, so neither content nor length leaks."""
        if self.password is None:
            return False
        return hmac.compare_digest(
            hashlib.sha256(candidate.encode()).digest(),
            hashlib.sha256(self.password.encode()).digest(),
        )

    def password_fingerprint(self) -> str:
        """Stored in the session: changing the password signs every session out.

        An HMAC under the session key, so the (encrypted) cookie carries nothing from
        which the password could be guessed offline.
        """
        assert self.password is not None and self.session_key is not None
        return hmac.new(self.session_key, self.password.encode(), hashlib.sha256).hexdigest()[:32]


def admin_settings_from_env() -> AdminSettings:
    password = os.environ.get(ENV_ADMIN_PASSWORD) or None
    secret_key = os.environ.get(ENV_SECRET_KEY) or None
    if password is None:
        return AdminSettings(None, None, None, f"{ENV_ADMIN_PASSWORD} is not set")
    if len(password) < MIN_PASSWORD_LENGTH:
        return AdminSettings(
            None,
            None,
            None,
            f"{ENV_ADMIN_PASSWORD} must be at least {MIN_PASSWORD_LENGTH} characters",
        )
    if secret_key is None or len(secret_key) < MIN_KEY_LENGTH:
        return AdminSettings(
            None,
            None,
            None,
            f"{ENV_SECRET_KEY} must be set (at least {MIN_KEY_LENGTH} characters) "
            "to encrypt the admin session",
        )
    register_secret(password)
    return AdminSettings(
        password=password,
        session_key=derive_key(secret_key, "hub admin session v1"),
        csrf_secret=derive_key(secret_key, "hub admin csrf v1").hex(),
    )
