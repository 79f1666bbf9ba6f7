"""The event envelope: sealing, the wire form, and what `open_event` refuses.

Events are forged here with rfc8785, hashlib and nacl directly, not with `seal`, so that an
envelope can be correctly hashed and signed while one field is wrong: the refusal then comes
from the field check, not from a stale id.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import nacl.exceptions
import nacl.signing
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from multitude.ledger.canonical import MAX_SAFE_INTEGER
from multitude.ledger.event import (
    MAX_EVENT_BYTES,
    Event,
    MalformedEvent,
    open_event,
    seal,
)
from multitude.ledger.keys import Keypair

ALICE = Keypair(bytes(range(32)))
BOB = Keypair(bytes(range(32, 64)))
TIME = "2024-05-01T12:00:00.000000Z"
NETWORK = "ab" * 32
ENVELOPE_FIELDS = ("id", "author", "seq", "prev", "time", "type", "network", "body", "sig")


def sealed_event(key: Keypair = ALICE, **overrides: Any) -> Event:
    arguments: dict[str, Any] = {
        "seq": 1,
        "prev": None,
        "type": "contribution.logged",
        "body": {"hours": 3, "note": "soldering"},
        "network": NETWORK,
        "time": TIME,
    }
    arguments.update(overrides)
    return seal(key, **arguments)


def signed_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "author": ALICE.public,
        "seq": 1,
        "prev": None,
        "time": TIME,
        "type": "contribution.logged",
        "network": NETWORK,
        "body": {"hours": 3},
    }
    fields.update(changes)
    return fields


def forge(fields: dict[str, Any], key: Keypair = ALICE) -> dict[str, Any]:
    """An envelope holding `fields` as given, with their true id and `key`'s signature."""
    event_id = hashlib.sha256(rfc8785.dumps(fields)).hexdigest()
    message = b"multitude/event/v1\x00" + bytes.fromhex(event_id)
    sig = nacl.signing.SigningKey(key.seed).sign(message).signature.hex()
    return {"id": event_id, "sig": sig, **fields}


def wire(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope).encode()


def refusal(data: bytes | str | dict[str, Any]) -> MalformedEvent:
    with pytest.raises(MalformedEvent) as caught:
        open_event(data)
    return caught.value


def nested(depth: int) -> dict[str, Any]:
    """A body made of `depth` containers (objects and arrays), the body itself being the first."""
    if depth == 1:
        return {}
    inner: Any = []
    for level in range(depth - 2):
        inner = [inner] if level % 2 else {"inner": inner}
    return {"inner": inner}


# --- round trip -----------------------------------------------------------------------------------


def test_open_event_returns_the_sealed_event_from_its_wire_bytes() -> None:
    event = sealed_event()
    assert open_event(event.wire()) == event
    assert open_event(event.wire().decode()) == event


def test_open_event_returns_the_sealed_event_from_its_wire_dict() -> None:
    event = sealed_event()
    assert open_event(event.wire_dict()) == event


def test_wire_is_one_json_object_with_id_and_sig_added_to_the_payload() -> None:
    event = sealed_event()
    assert json.loads(event.wire()) == event.wire_dict()
    payload_fields = json.loads(event.payload)
    assert json.loads(event.wire()) == {"id": event.id, "sig": event.sig, **payload_fields}


def test_a_second_event_chains_to_the_first_and_round_trips() -> None:
    first = sealed_event()
    second = sealed_event(seq=2, prev=first.id, network=None, body={"hours": 1})
    assert open_event(second.wire()) == second
    assert (second.seq, second.prev, second.network) == (2, first.id, None)


def test_sealing_the_same_fields_twice_gives_the_same_id_and_signature() -> None:
    assert sealed_event() == sealed_event()


# --- id and signature, recomputed independently ---------------------------------------------------


def test_payload_is_the_rfc8785_encoding_of_the_signed_fields() -> None:
    event = sealed_event(body={"note": "péché", "hours": 3, "tags": ["a", None, True]})
    expected = (
        '{"author":"' + ALICE.public + '","body":{"hours":3,"note":"péché","tags":["a",null,true]},'
        '"network":"' + NETWORK + '","prev":null,"seq":1,'
        '"time":"2024-05-01T12:00:00.000000Z","type":"contribution.logged"}'
    ).encode()
    assert event.payload == expected


def test_event_id_is_the_sha256_of_the_payload() -> None:
    event = sealed_event()
    assert event.id == hashlib.sha256(event.payload).hexdigest()


def test_signature_covers_the_domain_a_zero_byte_and_the_32_id_bytes() -> None:
    event = sealed_event()
    message = b"multitude/event/v1\x00" + bytes.fromhex(event.id)
    verify_key = nacl.signing.VerifyKey(bytes.fromhex(ALICE.public))
    assert verify_key.verify(message, bytes.fromhex(event.sig)) == message
    assert event.sig == nacl.signing.SigningKey(ALICE.seed).sign(message).signature.hex()


@pytest.mark.parametrize(
    "unsigned",
    ["id bytes alone", "id hex", "payload"],
)
def test_signature_does_not_cover_anything_but_the_domain_separated_id(unsigned: str) -> None:
    event = sealed_event()
    message = {
        "id bytes alone": bytes.fromhex(event.id),
        "id hex": event.id.encode(),
        "payload": event.payload,
    }[unsigned]
    verify_key = nacl.signing.VerifyKey(bytes.fromhex(ALICE.public))
    with pytest.raises(nacl.exceptions.BadSignatureError):
        verify_key.verify(message, bytes.fromhex(event.sig))


# --- tampering: a changed field no longer matches the id ------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("author", BOB.public),
        ("time", "2024-05-01T12:00:00.000001Z"),
        ("type", "contribution.validated"),
        ("network", "ac" * 32),
        ("network", None),
        ("body", {"hours": 4, "note": "soldering"}),
        ("body", {"hours": 3, "note": "soldering", "extra": 1}),
        ("body", {"hours": 3}),
        ("body", {"hours": "3", "note": "soldering"}),
    ],
)
def test_open_event_refuses_a_changed_field_as_an_id_mismatch(field: str, value: Any) -> None:
    envelope = json.loads(sealed_event().wire())
    envelope[field] = value
    assert refusal(wire(envelope)).field == "id"


@pytest.mark.parametrize(("field", "value"), [("seq", 3), ("prev", "cd" * 32)])
def test_open_event_refuses_a_changed_chain_position_as_an_id_mismatch(
    field: str, value: Any
) -> None:
    envelope = json.loads(sealed_event(seq=2, prev="ef" * 32).wire())
    envelope[field] = value
    assert refusal(wire(envelope)).field == "id"


def test_open_event_refuses_any_changed_character_of_the_body() -> None:
    event = sealed_event(body={"note": "soldering the lab's door sensor"})
    note = event.body["note"]
    accepted = []
    for position in range(len(note)):
        replacement = "X" if note[position] != "X" else "Y"
        envelope = json.loads(event.wire())
        envelope["body"]["note"] = note[:position] + replacement + note[position + 1 :]
        try:
            open_event(wire(envelope))
        except MalformedEvent as error:
            assert error.field == "id", position
        else:
            accepted.append(position)
    assert accepted == []


@pytest.mark.parametrize(
    "claimed_id",
    ["AB" * 32, "ab" * 31, "zz" * 32, "", 5, None],
    ids=["uppercase", "short", "not hex", "empty", "integer", "null"],
)
def test_open_event_refuses_an_id_that_is_not_the_content_hash(claimed_id: Any) -> None:
    envelope = json.loads(sealed_event().wire())
    envelope["id"] = claimed_id
    assert refusal(wire(envelope)).field == "id"


def test_open_event_refuses_the_id_of_another_event() -> None:
    envelope = json.loads(sealed_event().wire())
    envelope["id"] = sealed_event(body={}).id
    assert refusal(wire(envelope)).field == "id"


# --- signature ------------------------------------------------------------------------------------


def test_open_event_refuses_a_signature_by_another_key() -> None:
    forged = forge(signed_fields(author=ALICE.public), key=BOB)
    error = refusal(wire(forged))
    assert error.field == "sig"
    assert error.event_id == forged["id"]


def test_open_event_refuses_the_signature_of_another_event() -> None:
    envelope = json.loads(sealed_event().wire())
    envelope["sig"] = sealed_event(body={}).sig
    assert refusal(wire(envelope)).field == "sig"


def test_open_event_refuses_every_single_flipped_bit_of_the_signature() -> None:
    event = sealed_event()
    signature = bytes.fromhex(event.sig)
    not_refused = []
    for bit in range(len(signature) * 8):
        changed = bytearray(signature)
        changed[bit // 8] ^= 1 << (bit % 8)
        envelope = json.loads(event.wire())
        envelope["sig"] = changed.hex()
        try:
            open_event(wire(envelope))
        except MalformedEvent as error:
            if error.field != "sig":
                not_refused.append((bit, error.field))
        else:
            not_refused.append((bit, "accepted"))
    assert not_refused == []


@pytest.mark.parametrize(
    "sig",
    ["AB" * 64, "ab" * 63, "ab" * 65, "zz" * 64, "", 5, None],
    ids=["uppercase", "short", "long", "not hex", "empty", "integer", "null"],
)
def test_open_event_refuses_a_signature_that_is_not_128_lowercase_hex(sig: Any) -> None:
    envelope = json.loads(sealed_event().wire())
    envelope["sig"] = sig
    assert refusal(wire(envelope)).field == "sig"


# --- the envelope's shape -------------------------------------------------------------------------


@pytest.mark.parametrize("field", ENVELOPE_FIELDS)
def test_open_event_names_a_missing_field(field: str) -> None:
    envelope = json.loads(sealed_event().wire())
    del envelope[field]
    error = refusal(wire(envelope))
    assert error.field == field
    assert "missing" in error.problem


def test_open_event_names_an_unknown_extra_field() -> None:
    envelope = {**forge(signed_fields()), "comment": "hello"}
    error = refusal(wire(envelope))
    assert error.field == "comment"


@pytest.mark.parametrize("data", [b"[]", b'"event"', b"null", b"3"])
def test_open_event_refuses_json_that_is_not_an_object(data: bytes) -> None:
    assert refusal(data).field == "event"


@pytest.mark.parametrize("data", [b"", b"{", b'{"id": }', b'{"id": "\xff"}'])
def test_open_event_refuses_invalid_json_and_invalid_utf8(data: bytes) -> None:
    assert refusal(data).field == "event"


def test_open_event_refuses_a_duplicated_key() -> None:
    text = wire(forge(signed_fields())).decode()
    duplicated = text.replace('"seq": 1', '"seq": 1, "seq": 1')
    assert duplicated != text
    assert refusal(duplicated).field == "event"


# --- seq and prev ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seq",
    [0, -1, "1", True, False, None, [1]],
    ids=["0", "-1", "string", "true", "false", "null", "list"],
)
def test_open_event_refuses_a_seq_that_is_not_a_positive_integer(seq: Any) -> None:
    assert refusal(wire(forge(signed_fields(seq=seq)))).field == "seq"


def test_open_event_refuses_a_seq_beyond_the_safe_integer_range() -> None:
    envelope = json.loads(sealed_event().wire())
    envelope["seq"] = MAX_SAFE_INTEGER + 1
    assert refusal(envelope).field == "seq"
    assert refusal(wire(envelope)).field == "event"


def test_open_event_accepts_the_largest_safe_seq() -> None:
    forged = forge(signed_fields(seq=MAX_SAFE_INTEGER, prev="cd" * 32))
    assert open_event(wire(forged)).seq == MAX_SAFE_INTEGER


def test_open_event_refuses_a_float_seq() -> None:
    assert refusal(b'{"seq": 1.0}').field == "event"
    envelope = json.loads(sealed_event().wire())
    envelope["seq"] = 1.0
    assert refusal(envelope).field == "seq"


def test_open_event_refuses_a_prev_on_the_first_event() -> None:
    assert refusal(wire(forge(signed_fields(seq=1, prev="cd" * 32)))).field == "prev"


def test_open_event_refuses_a_missing_prev_after_the_first_event() -> None:
    assert refusal(wire(forge(signed_fields(seq=2, prev=None)))).field == "prev"


# --- hex fields -----------------------------------------------------------------------------------

BAD_HEX = ["CD" * 32, "cd" * 31, "cd" * 33, "zz" * 32, " " + "cd" * 31 + "c", "", 5, ["cd" * 32]]
BAD_HEX_IDS = ["uppercase", "short", "long", "not hex", "space", "empty", "integer", "list"]


@pytest.mark.parametrize("value", [*BAD_HEX, None], ids=[*BAD_HEX_IDS, "null"])
def test_open_event_refuses_an_author_that_is_not_64_lowercase_hex(value: Any) -> None:
    assert refusal(wire(forge(signed_fields(author=value)))).field == "author"


@pytest.mark.parametrize("value", BAD_HEX, ids=BAD_HEX_IDS)
def test_open_event_refuses_a_prev_that_is_not_64_lowercase_hex(value: Any) -> None:
    assert refusal(wire(forge(signed_fields(seq=2, prev=value)))).field == "prev"


@pytest.mark.parametrize("value", BAD_HEX, ids=BAD_HEX_IDS)
def test_open_event_refuses_a_network_that_is_not_64_lowercase_hex(value: Any) -> None:
    assert refusal(wire(forge(signed_fields(network=value)))).field == "network"


def test_open_event_accepts_an_event_without_network() -> None:
    assert open_event(wire(forge(signed_fields(network=None)))).network is None


# --- time and type --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "time",
    [
        pytest.param("2024-05-01T12:00:00.000000", id="no Z"),
        pytest.param("2024-05-01T12:00:00Z", id="no microseconds"),
        pytest.param("2024-05-01T12:00:00.000Z", id="milliseconds"),
        pytest.param("2024-13-01T12:00:00.000000Z", id="month 13"),
        pytest.param("2024-00-01T12:00:00.000000Z", id="month 0"),
        pytest.param("2024-05-32T12:00:00.000000Z", id="day 32"),
        pytest.param("2024-05-01T24:00:00.000000Z", id="hour 24"),
        pytest.param("2024-05-01T12:60:00.000000Z", id="minute 60"),
        pytest.param("2024-05-01 12:00:00.000000Z", id="space"),
        pytest.param("2024-05-01T12:00:00.000000+00:00", id="offset"),
        pytest.param("2024-05-01t12:00:00.000000z", id="lowercase"),
        pytest.param("24-05-01T12:00:00.000000Z", id="two-digit year"),
        pytest.param("2024-05-01T12:00:00.000000Z\n", id="trailing newline"),
        pytest.param("", id="empty"),
        pytest.param(1714564800, id="integer"),
        pytest.param(None, id="null"),
    ],
)
def test_open_event_refuses_a_time_not_in_utc_microsecond_form(time: Any) -> None:
    assert refusal(wire(forge(signed_fields(time=time)))).field == "time"


def test_open_event_refuses_a_time_written_with_non_ascii_digits() -> None:
    # "\d" in a str pattern matches any Unicode digit; these Arabic-Indic digits must not pass
    # as a year, or times would no longer sort as text.
    time = "\u0662\u0660\u0662\u0664-05-01T12:00:00.000000Z"
    assert refusal(wire(forge(signed_fields(time=time)))).field == "time"


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("contribution", id="no dot"),
        pytest.param("Contribution.logged", id="capital area"),
        pytest.param("contribution.Logged", id="capital action"),
        pytest.param("contribution.", id="empty action"),
        pytest.param(".logged", id="empty area"),
        pytest.param("contribution..logged", id="double dot"),
        pytest.param("contribution.logged.more.extra", id="four parts"),
        pytest.param("contribution.logged2", id="digit"),
        pytest.param("contribution-logged.x", id="hyphen"),
        pytest.param("_contribution.logged", id="leading underscore"),
        pytest.param("contribution.logged ", id="trailing space"),
        pytest.param("a" * 33 + ".logged", id="area too long"),
        pytest.param("", id="empty"),
        pytest.param(5, id="integer"),
        pytest.param(None, id="null"),
    ],
)
def test_open_event_refuses_a_badly_named_type(kind: Any) -> None:
    assert refusal(wire(forge(signed_fields(type=kind)))).field == "type"


@pytest.mark.parametrize(
    "kind", ["a.b", "contribution.logged", "member.role_granted", "a.b.c", "a" * 32 + ".b"]
)
def test_open_event_accepts_well_named_types(kind: str) -> None:
    assert open_event(wire(forge(signed_fields(type=kind)))).type == kind


# --- body -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [[], ["hours", 3], "hours", 3, True, None], ids=repr)
def test_open_event_refuses_a_body_that_is_not_an_object(body: Any) -> None:
    assert refusal(wire(forge(signed_fields(body=body)))).field == "body"


def test_open_event_accepts_a_body_nested_eight_containers_deep() -> None:
    body = nested(8)
    assert open_event(wire(forge(signed_fields(body=body)))).body == body


def test_open_event_refuses_a_body_nested_deeper_than_eight_containers() -> None:
    assert refusal(wire(forge(signed_fields(body=nested(9))))).field == "body"


def test_seal_refuses_a_body_nested_deeper_than_eight_containers() -> None:
    assert sealed_event(body=nested(8)).body == nested(8)
    with pytest.raises(MalformedEvent) as caught:
        sealed_event(body=nested(9))
    assert caught.value.field == "body"


@pytest.mark.parametrize("number", ["1.5", "1e5", "-0.0", "1E-7", "100.0"])
def test_open_event_refuses_a_float_anywhere_in_the_body_of_wire_bytes(number: str) -> None:
    for body in ({"amount": "N"}, {"lines": [{"amount": "N"}]}):
        text = wire(forge(signed_fields(body=body))).decode().replace('"N"', number)
        error = refusal(text)
        assert error.field == "event"
        assert "decimal strings" in error.problem


def test_open_event_refuses_an_integer_beyond_the_safe_range_in_the_body() -> None:
    text = wire(forge(signed_fields(body={"amount": "N"}))).decode().replace('"N"', str(2**53))
    assert refusal(text).field == "event"


def test_open_event_refuses_a_float_in_the_body_of_a_mapping() -> None:
    # A correctly hashed and signed envelope handed over as a dict: the float must still be
    # refused, as it would be in wire bytes.
    forged = forge(signed_fields(body={"amount": 1.5}))
    assert refusal(forged).field == "body"


def test_seal_refuses_a_float_in_the_body() -> None:
    # An event seal() produced must be one that open_event() and reopen() accept.
    with pytest.raises(MalformedEvent) as caught:
        sealed_event(body={"amount": 1.5})
    assert caught.value.field == "body"


def test_open_event_refuses_a_lone_surrogate_in_the_body() -> None:
    text = wire(forge(signed_fields(body={"note": "N"}))).decode().replace('"N"', '"\\ud800"')
    assert refusal(text).field == "body"


# --- size -----------------------------------------------------------------------------------------


def _padding_for_payload_of(size: int) -> str:
    base = len(sealed_event(body={"note": ""}).payload)
    return "x" * (size - base)


def test_seal_accepts_an_event_of_exactly_the_size_limit_and_it_opens() -> None:
    event = sealed_event(body={"note": _padding_for_payload_of(MAX_EVENT_BYTES)})
    assert len(event.payload) == MAX_EVENT_BYTES
    assert open_event(event.wire()) == event


def test_seal_refuses_an_event_one_byte_over_the_size_limit() -> None:
    with pytest.raises(MalformedEvent) as caught:
        sealed_event(body={"note": _padding_for_payload_of(MAX_EVENT_BYTES + 1)})
    assert caught.value.field == "body"


def test_open_event_refuses_a_payload_one_byte_over_the_size_limit() -> None:
    note = _padding_for_payload_of(MAX_EVENT_BYTES + 1)
    forged = forge(signed_fields(body={"note": note}, network=NETWORK, seq=1, prev=None))
    assert len(rfc8785.dumps({k: v for k, v in forged.items() if k not in ("id", "sig")})) == (
        MAX_EVENT_BYTES + 1
    )
    assert refusal(wire(forged)).field == "event"
    assert refusal(forged).field == "event"


def test_open_event_refuses_oversized_bytes_before_parsing_them() -> None:
    data = b"[" * (2 * MAX_EVENT_BYTES)
    error = refusal(data)
    assert error.field == "event"
    assert str(MAX_EVENT_BYTES) in error.problem


# --- property: any JSON body round-trips ----------------------------------------------------------

SAFE_INTEGERS = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
SCALARS = st.none() | st.booleans() | SAFE_INTEGERS | st.text(max_size=20)


def _json_values(depth: int, width: int) -> st.SearchStrategy[Any]:
    """JSON values (str, safe int, bool, null, arrays, objects) at most `depth` containers deep."""
    if depth == 0:
        return SCALARS
    inner = _json_values(depth - 1, width)
    return (
        SCALARS
        | st.lists(inner, max_size=width)
        | st.dictionaries(st.text(max_size=10), inner, max_size=width)
    )


# Wide and shallow, or narrow and as deep as a body may be (8 containers with the body itself);
# both stay well under MAX_EVENT_BYTES.
BODIES = st.dictionaries(st.text(max_size=10), _json_values(3, width=3), max_size=4) | st.builds(
    lambda inner: {"deep": inner}, _json_values(7, width=2)
)


@settings(deadline=None, max_examples=150)
@given(body=BODIES)
def test_any_json_body_round_trips_and_keeps_its_id(body: dict[str, Any]) -> None:
    event = sealed_event(body=body)
    opened = open_event(event.wire())
    assert opened == event
    assert opened.body == body
    assert opened.payload == event.payload  # tells true from 1, which == does not
    assert sealed_event(body=body).id == event.id
    assert opened.id == hashlib.sha256(rfc8785.dumps(json.loads(event.payload))).hexdigest()


@pytest.mark.parametrize("time", ["2026-11-31T00:00:00.000000Z", "2025-02-29T12:00:00.000000Z"])
def test_a_time_on_a_day_that_does_not_exist_is_refused(time: str) -> None:
    with pytest.raises(MalformedEvent) as refused:
        seal(Keypair.generate(), seq=1, prev=None, type="agent.profile", body={"v": 1}, time=time)
    assert (refused.value.field, refused.value.problem) == ("time", "is not a date that exists")
