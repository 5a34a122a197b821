"""The admin's keys come from HUB_SECRET_KEY, one per purpose, never the key itself."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.admin.settings import admin_settings_from_env
from hub.security.secretbox import SecretBox
from tests.admin.conftest import ADMIN_PASSWORD
from tests.conftest import SECRET_KEY


def test_each_purpose_has_its_own_key() -> None:
    settings = admin_settings_from_env()
    assert settings.enabled and settings.session_key is not None and settings.csrf_secret
    keys = {settings.session_key, bytes.fromhex(settings.csrf_secret)}
    assert len(keys) == 2 and all(len(k) == 32 for k in keys)
    assert SECRET_KEY.encode() not in keys and ADMIN_PASSWORD not in settings.csrf_secret
    assert ADMIN_PASSWORD not in settings.password_fingerprint()


def test_secret_box_derivation_is_unchanged() -> None:
    """Secrets sealed before the key derivation was shared must still open."""
    previous = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"hub secret box v1"
    ).derive(SECRET_KEY.encode())
    sealed = Fernet(base64.urlsafe_b64encode(previous)).encrypt(b"zoom-refresh-token").decode()
    assert SecretBox(SECRET_KEY).open(sealed) == "zoom-refresh-token"


@pytest.mark.parametrize(
    ("password", "secret", "reason"),
    [
        (None, SECRET_KEY, "HUB_ADMIN_PASSWORD is not set"),
        ("short", SECRET_KEY, "HUB_ADMIN_PASSWORD must be at least 8 characters"),
        (ADMIN_PASSWORD, None, "HUB_SECRET_KEY must be set"),
        (ADMIN_PASSWORD, "too-short", "HUB_SECRET_KEY must be set"),
    ],
)
def test_disabled_reasons(
    monkeypatch: pytest.MonkeyPatch, password: str | None, secret: str | None, reason: str
) -> None:
    for name, value in (("HUB_ADMIN_PASSWORD", password), ("HUB_SECRET_KEY", secret)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    settings = admin_settings_from_env()
    assert not settings.enabled and (settings.disabled_reason or "").startswith(reason)
    assert not settings.password_matches(password or "")
