"""Rebuilding events from stored payload bytes: `reopen` (what verify uses) and `from_stored`."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import nacl.signing
import pytest

from multitude.ledger.event import Event, MalformedEvent, from_stored, reopen, seal
from multitude.ledger.keys import Keypair

ALICE = Keypair(bytes(range(32)))
BOB = Keypair(bytes(range(32, 64)))
TIME = "2024-05-01T12:00:00.000000Z"


def small_event(**overrides: Any) -> Event:
    arguments: dict[str, Any] = {
        "seq": 1,
        "prev": None,
        "type": "contribution.logged",
        "body": {"hours": 3, "note": "door sensor", "done": True},
        "time": TIME,
    }
    arguments.update(overrides)
    return seal(ALICE, **arguments)


def signed_id(payload: bytes, key: Keypair = ALICE) -> tuple[str, str]:
    """The id of `payload` as stored bytes, and `key`'s signature over it, made independently."""
    event_id = hashlib.sha256(payload).hexdigest()
    message = b"multitude/event/v1\x00" + bytes.fromhex(event_id)
    return event_id, nacl.signing.SigningKey(key.seed).sign(message).signature.hex()


def refusal(event_id: str, payload: bytes, sig: str) -> MalformedEvent:
    with pytest.raises(MalformedEvent) as caught:
        reopen(event_id, payload, sig)
    return caught.value


def test_reopen_rebuilds_the_sealed_event() -> None:
    event = small_event()
    assert reopen(event.id, event.payload, event.sig) == event


def test_from_stored_rebuilds_the_sealed_event() -> None:
    first = small_event()
    second = small_event(seq=2, prev=first.id, network="ab" * 32, body={"hours": 1})
    for event in (first, second):
        assert from_stored(event.id, event.payload, event.sig) == event


# --- payloads that are hashed and signed correctly but are not canonical --------------------


def _fields() -> dict[str, Any]:
    return json.loads(small_event().payload)


@pytest.mark.parametrize(
    "payload",
    [
        json.dumps(_fields(), sort_keys=True).encode(),
        json.dumps(_fields(), sort_keys=True, separators=(",", ":"), indent=1).encode(),
        json.dumps(dict(reversed(_fields().items())), separators=(",", ":")).encode(),
        small_event().payload + b"\n",
        b" " + small_event().payload,
        small_event().payload.replace(b'"door sensor"', b'"\\u0064oor sensor"'),
        small_event().payload.replace(b'"hours":3', b'"hours":3 '),
    ],
    ids=[
        "spaces after separators",
        "indented",
        "keys not sorted",
        "trailing newline",
        "leading space",
        "needless escape",
        "space after a value",
    ],
)
def test_reopen_refuses_a_payload_that_is_not_canonical(payload: bytes) -> None:
    assert payload != small_event().payload
    assert json.loads(payload) == _fields()
    event_id, sig = signed_id(payload)
    error = refusal(event_id, payload, sig)
    assert error.field == "payload"
    assert error.event_id == event_id


def test_reopen_refuses_a_payload_with_a_missing_or_an_extra_field() -> None:
    fields = _fields()
    for payload in (
        json.dumps({k: v for k, v in fields.items() if k != "network"}, separators=(",", ":")),
        json.dumps({**fields, "zone": "x"}, sort_keys=True, separators=(",", ":")),
    ):
        event_id, sig = signed_id(payload.encode())
        assert refusal(event_id, payload.encode(), sig).field == "payload"


@pytest.mark.parametrize(
    "payload",
    [b"[]", b"", b"{", b'{"a":1.5}', b'"\xff"'],
    ids=["array", "empty", "unclosed", "float", "bad utf-8"],
)
def test_reopen_refuses_a_payload_that_is_not_a_json_object(payload: bytes) -> None:
    event_id, sig = signed_id(payload)
    assert refusal(event_id, payload, sig).field == "payload"


def test_reopen_refuses_a_float_in_a_stored_payload() -> None:
    payload = small_event().payload.replace(b'"hours":3', b'"hours":3.0')
    event_id, sig = signed_id(payload)
    error = refusal(event_id, payload, sig)
    assert error.field == "payload"
    assert "decimal strings" in error.problem


def test_reopen_refuses_an_encoded_surrogate_in_a_stored_payload() -> None:
    # ED A0 80 is U+D800 encoded as if it were a character: not UTF-8, and not encodable back.
    payload = small_event().payload.replace(b"door sensor", b"door \xed\xa0\x80sensor")
    event_id, sig = signed_id(payload)
    assert _outcome(event_id, payload, sig) == "refused"


def test_reopen_checks_the_envelope_fields() -> None:
    payload = small_event().payload.replace(b'"seq":1', b'"seq":0')
    event_id, sig = signed_id(payload)
    assert refusal(event_id, payload, sig).field == "seq"


def test_reopen_refuses_a_signature_by_another_key() -> None:
    event = small_event()
    event_id, sig = signed_id(event.payload, key=BOB)
    assert event_id == event.id
    assert refusal(event_id, event.payload, sig).field == "sig"


@pytest.mark.parametrize(
    "sig", ["AB" * 64, "ab" * 63, "zz" * 64, ""], ids=["upper", "short", "not hex", "empty"]
)
def test_reopen_refuses_a_signature_that_is_not_128_lowercase_hex(sig: str) -> None:
    event = small_event()
    assert refusal(event.id, event.payload, sig).field == "sig"


def test_reopen_refuses_an_id_that_is_not_the_payload_hash() -> None:
    event = small_event()
    other = small_event(body={})
    assert refusal(other.id, event.payload, event.sig).field == "id"
    assert refusal(event.id.upper(), event.payload, event.sig).field == "id"


# --- any single changed byte of a stored payload is caught -------------------------------------


def _outcome(event_id: str, payload: bytes, sig: str) -> str:
    """'refused' when reopen raises MalformedEvent, else what happened instead."""
    try:
        reopen(event_id, payload, sig)
    except MalformedEvent:
        return "refused"
    except Exception as error:  # anything else is a crash, not a refusal
        return f"crashed with {type(error).__name__}"
    return "accepted"


def test_reopen_refuses_every_single_byte_change_of_a_stored_payload() -> None:
    event = small_event(body={"n": 7, "ok": False})
    not_refused = []
    for position, original in enumerate(event.payload):
        for value in range(256):
            if value == original:
                continue
            changed = bytearray(event.payload)
            changed[position] = value
            outcome = _outcome(event.id, bytes(changed), event.sig)
            if outcome != "refused":
                not_refused.append((position, value, outcome))
    assert not_refused == []


def test_reopen_refuses_every_single_byte_change_even_when_the_id_is_recomputed() -> None:
    # Someone rewriting the store can recompute the hash, but cannot sign for the author.
    event = small_event(body={"n": 7, "ok": False})
    not_refused = []
    for position, original in enumerate(event.payload):
        for value in range(256):
            if value == original:
                continue
            changed = event.payload[:position] + bytes([value]) + event.payload[position + 1 :]
            outcome = _outcome(hashlib.sha256(changed).hexdigest(), changed, event.sig)
            if outcome != "refused":
                not_refused.append((position, value, outcome))
    assert not_refused == []
