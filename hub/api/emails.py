"""Email addresses, checked by email-validator with its per-domain work done once per domain.

email-validator spends about two thirds of its time on an address's domain (IDNA and
UTS-46 checks, character by character): ~75 us per sale, the largest single cost of a
sale on the ingest path. Holders of one event share a handful of domains, so the domain's
verdict is cached. The shortcut is taken only where email-validator itself would accept
the local part unchanged (plain ASCII dot-atom, not a mailbox name it lowercases) and the
lengths are within its limits; anything else, and every invalid address, goes through the
full check, so the answer and its error message are always email-validator's own.
``tests/core/test_emails.py`` compares both on generated addresses.
"""

from __future__ import annotations

from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DOT_ATOM_TEXT,
    EMAIL_MAX_LENGTH,
)

__all__ = ["EmailNotValidError", "normalize_email"]

_LOWERCASED = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


def _full(address: str) -> str:
    return validate_email(address, check_deliverability=False).normalized


@lru_cache(maxsize=4096)
def _domain_forms(domain: str) -> tuple[str, int] | None:
    """(normalized domain, longest UTF-8 length of its forms), or None when not valid."""
    try:
        checked = validate_email("a@" + domain, check_deliverability=False)
    except EmailNotValidError:
        return None
    longest = max(len(f.encode()) for f in (domain, checked.domain, checked.ascii_domain))
    return checked.domain, longest


def normalize_email(address: str) -> str:
    """The address as email-validator normalizes it; raises where it raises."""
    local, at, domain = address.rpartition("@")
    if not at or not DOT_ATOM_TEXT.match(local) or local.lower() in _LOWERCASED:
        return _full(address)
    forms = _domain_forms(domain)
    if forms is None or len(local) + 1 + forms[1] > EMAIL_MAX_LENGTH:
        return _full(address)
    return f"{local}@{forms[0]}"
