"""The cached email check answers exactly as email-validator does, address by address."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.api import emails
from hub.api.emails import normalize_email

LOCAL_CHARS = "abcXYZ019.!#$%&'*+/=?^_`{|}~-\"@ ()<>,;:\\[]éü;\u200d"
DOMAINS = [
    "example.com",
    "EXAMPLE.Com",
    "mail.example.org",
    "xn--bcher-kva.ch",
    "bücher.ch",
    "BÜCHER.ch",
    "localhost",
    "example.test",
    "a..b.com",
    "-a.com",
    "a-.com",
    "ex ample.com",
    "[127.0.0.1]",
    "com",
    "",
    "a" * 63 + ".com",
    "a" * 64 + ".com",
    ".".join(["b" * 60] * 4),
    ".".join(["c" * 49] * 5),
    "example.com>",
    "x<y.com",
]


def reference(address: str) -> tuple[str, str]:
    try:
        return "ok", validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        return "error", str(exc)


def ours(address: str) -> tuple[str, str]:
    try:
        return "ok", normalize_email(address)
    except EmailNotValidError as exc:
        return "error", str(exc)


@pytest.mark.parametrize(
    "address",
    [
        "holder-1@example.com",
        "Holder.Name+tag@Example.COM",
        "Postmaster@example.com",
        "postmaster@example.com",
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        '"quoted"@example.com',
        "Name <holder@example.com>",
        "holder@bücher.ch",
        "holder@xn--bcher-kva.ch",
        "é@example.com",
        "holder@localhost",
        "holder@example.test",
        "a@b@example.com",
        "no-at-sign.example.com",
        "@example.com",
        "holder@",
        "x" * 64 + "@example.com",
        "x" * 200 + "@" + ".".join(["b" * 20] * 3) + ".com",
        "x" * 60 + "@" + ".".join(["c" * 49] * 4) + ".com",
    ],
)
def test_known_addresses_answer_like_email_validator(address: str) -> None:
    emails._domain_forms.cache_clear()
    first = ours(address)
    assert first == reference(address)
    assert ours(address) == first  # with the domain's verdict now cached


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    local=st.text(alphabet=LOCAL_CHARS, min_size=0, max_size=90),
    domain=st.sampled_from(DOMAINS),
)
def test_generated_addresses_answer_like_email_validator(local: str, domain: str) -> None:
    address = f"{local}@{domain}"
    assert ours(address) == reference(address)


def test_a_domain_is_checked_once() -> None:
    emails._domain_forms.cache_clear()
    for n in range(50):
        assert normalize_email(f"holder-{n}@Example.ORG") == f"holder-{n}@example.org"
    info = emails._domain_forms.cache_info()
    assert (info.misses, info.hits) == (1, 49)
