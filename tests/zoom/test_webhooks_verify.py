"""Signature, URL-validation and timestamp checks against the documented vectors (notes §3),
and the dedupe key that makes redeliveries harmless."""

from __future__ import annotations

import copy

import pytest
from hub_zoom.emulator.webhooks_out import encrypt_plain_token, sign
from hub_zoom.webhooks.dedupe import dedupe_key
from hub_zoom.webhooks.verify import (
    FUTURE_SKEW_SECONDS,
    check_timestamp,
    encrypted_token,
    matching_secret,
    signature,
)

SECRET = "test-secret-token"
TIMESTAMP = "1626230692"
BODY = (
    b'{"event":"meeting.started","event_ts":1626230691572,"payload":{"account_id":"AAAAAABBBB",'
    b'"object":{"id":"1234567890","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"x1yCzABCDEfg23HiJKl4mN",'
    b'"topic":"My Meeting","type":8,"start_time":"2021-07-13T21:44:51Z",'
    b'"timezone":"America/Los_Angeles","duration":60}}}'
)
EXPECTED = "v0=55df321d19e8f64028addfb7e4b6bd2445a37209c1faedc1554fd5d228cab043"


def test_signature_vector_from_the_notes() -> None:
    assert signature(SECRET, TIMESTAMP, BODY) == EXPECTED
    assert sign(SECRET, TIMESTAMP, BODY) == EXPECTED  # the emulator agrees


def test_url_validation_vector_from_the_notes() -> None:
    expected = "9c8ad56737c19db2904b301c0781e86857e999f39f07727668cf62a5e7e298c8"
    assert encrypted_token(SECRET, "qgg8vlvZRS6UYooatFL8Aw") == expected
    assert encrypt_plain_token(SECRET, "qgg8vlvZRS6UYooatFL8Aw") == expected


def test_matching_secret_tries_every_account_secret() -> None:
    secrets = ["other-account-secret", SECRET, "third"]
    assert matching_secret(secrets, TIMESTAMP, BODY, EXPECTED) == SECRET
    assert matching_secret(["a", "b"], TIMESTAMP, BODY, EXPECTED) is None
    assert matching_secret(secrets, TIMESTAMP, BODY + b" ", EXPECTED) is None
    assert matching_secret(secrets, "1626230693", BODY, EXPECTED) is None
    assert matching_secret(secrets, TIMESTAMP, BODY, EXPECTED.upper()) is None
    assert matching_secret([], TIMESTAMP, BODY, EXPECTED) is None


def test_signature_covers_raw_bytes_not_reserialised_json() -> None:
    spaced = BODY.replace(b'"event":', b'"event": ')
    assert signature(SECRET, TIMESTAMP, spaced) != EXPECTED


@pytest.mark.parametrize(
    ("age", "ok"),
    [
        (0, True),
        (85 * 60, True),  # Zoom's last redelivery
        (90 * 60, True),
        (90 * 60 + 1, False),
        (-FUTURE_SKEW_SECONDS, True),
        (-FUTURE_SKEW_SECONDS - 1, False),
        (-3600, False),
    ],
)
def test_timestamp_window(age: int, ok: bool) -> None:
    now = 1_800_000_000.0
    assert check_timestamp(str(int(now - age)), now, 90 * 60).ok is ok


@pytest.mark.parametrize("bad", ["", "abc", "-5", "1.5", "9" * 20])
def test_timestamp_must_be_seconds(bad: str) -> None:
    assert not check_timestamp(bad, 1_800_000_000.0, 5400).ok


def _joined(**participant: object) -> dict:
    base = {
        "user_id": "16778240",
        "user_name": "Jill",
        "participant_uuid": "P-1",
        "join_time": "2030-01-01T10:00:00Z",
    }
    base.update(participant)
    return {
        "event": "meeting.participant_joined",
        "event_ts": 1,
        "payload": {"account_id": "A", "object": {"id": "1", "uuid": "U", "participant": base}},
    }


def test_dedupe_key_same_for_a_redelivery() -> None:
    first = _joined()
    again = copy.deepcopy(first)
    again["event_ts"] = 2  # a redelivery keeps the fact; only transport fields may differ
    assert dedupe_key(first) == dedupe_key(again)


def test_dedupe_key_differs_for_new_facts() -> None:
    base = dedupe_key(_joined())
    assert dedupe_key(_joined(join_time="2030-01-01T10:05:00Z")) != base  # re-join
    assert dedupe_key(_joined(participant_uuid="P-2")) != base  # second device
    other_instance = _joined()
    other_instance["payload"]["object"]["uuid"] = "U2"
    assert dedupe_key(other_instance) != base
    left = _joined()
    left["event"] = "meeting.participant_left"
    assert dedupe_key(left) != base


def test_dedupe_key_of_other_events_uses_event_ts() -> None:
    ended = {"event": "meeting.ended", "event_ts": 5, "payload": {"object": {"uuid": "U"}}}
    assert dedupe_key(ended) == dedupe_key(copy.deepcopy(ended))
    assert dedupe_key(ended) != dedupe_key({**ended, "event_ts": 6})
    assert len(dedupe_key(ended)) < 200
    assert dedupe_key({"event": "x"}).startswith("x:")
