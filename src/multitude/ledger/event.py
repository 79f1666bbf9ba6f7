"""The event envelope: building, sealing and opening signed events.

An event is `author`, `seq`, `prev`, `time`, `type`, `network` and `body`, signed by its author.
Its id is the SHA-256 of the RFC 8785 encoding of those fields (the *payload*); the signature
covers `multitude/event/v1`, a zero byte and the 32 bytes of the id. The payload bytes are what
is stored: any changed byte changes the id, so tampering is caught by recomputing it.

Opening checks the envelope alone. What a type's body must hold is the domain's business.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from multitude.ledger.canonical import MAX_SAFE_INTEGER, CanonicalError, canonical, check_value, parse_json
from multitude.ledger.keys import Keypair, verify_signature

__all__ = [
    "DOMAIN",
    "MAX_EVENT_BYTES",
    "Event",
    "MalformedEvent",
    "decode_event",
    "event_time",
    "from_stored",
    "open_event",
    "reopen",
    "seal",
    "signature_holds",
    "signing_message",
    "time_after",
    "wire_bytes",
]

DOMAIN = b"multitude/event/v1\x00"
MAX_EVENT_BYTES = 64 * 1024
MAX_BODY_DEPTH = 8

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX128 = re.compile(r"[0-9a-f]{128}")
_TYPE = re.compile(r"[a-z][a-z_]{0,31}(\.[a-z][a-z_]{0,31}){1,2}")
_TIME = re.compile(
    r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z"
)
_SIGNED_FIELDS = frozenset({"author", "seq", "prev", "time", "type", "network", "body"})
_ENVELOPE_FIELDS = _SIGNED_FIELDS | {"id", "sig"}


class MalformedEvent(ValueError):
    """An event that cannot be accepted at all; `field` names the part that is wrong."""

    def __init__(self, field: str, problem: str, event_id: str | None = None) -> None:
        self.field = field
        self.problem = problem
        self.event_id = event_id
        where = f"event {event_id[:12]}: " if event_id else ""
        super().__init__(f"{where}{field}: {problem}")


@dataclass(frozen=True, slots=True)
class Event:
    """A signed, verified event. `payload` is the canonical signed bytes; do not mutate `body`."""

    id: str
    author: str
    seq: int
    prev: str | None
    time: str
    type: str
    network: str | None
    body: Mapping[str, Any]
    sig: str
    payload: bytes

    def wire(self) -> bytes:
        """The event as one JSON object: the payload with its id and signature added."""
        return wire_bytes(self.id, self.sig, self.payload)

    def wire_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "author": self.author,
            "seq": self.seq,
            "prev": self.prev,
            "time": self.time,
            "type": self.type,
            "network": self.network,
            "body": self.body,
            "sig": self.sig,
        }


def wire_bytes(event_id: str, sig: str, payload: bytes) -> bytes:
    """An event as sent between nodes: its signed payload with its id and signature added."""
    return b'{"id":"%s","sig":"%s",%s' % (event_id.encode(), sig.encode(), payload[1:])


def _event(event_id: str, fields: Mapping[str, Any], sig: str, payload: bytes) -> Event:
    return Event(
        event_id,
        fields["author"],
        fields["seq"],
        fields["prev"],
        fields["time"],
        fields["type"],
        fields["network"],
        fields["body"],
        sig,
        payload,
    )


def event_time(moment: datetime | None = None) -> str:
    """Format a moment as an event time: UTC, microseconds, fixed width, so it sorts as text."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def time_after(time: str) -> str:
    """The event time one microsecond after `time`."""
    moment = datetime.strptime(time, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return event_time(moment + timedelta(microseconds=1))


def signing_message(event_id: str) -> bytes:
    return DOMAIN + bytes.fromhex(event_id)


def _depth(value: Any, limit: int) -> bool:
    """True when `value` nests no deeper than `limit` containers."""
    if isinstance(value, dict):
        return limit > 0 and all(_depth(v, limit - 1) for v in value.values())
    if isinstance(value, list):
        return limit > 0 and all(_depth(v, limit - 1) for v in value)
    return True


def _check_signed_fields(fields: Mapping[str, Any]) -> None:
    author = fields["author"]
    if not isinstance(author, str) or not _HEX64.fullmatch(author):
        raise MalformedEvent("author", "must be an Ed25519 public key as 64 lowercase hex digits")
    seq = fields["seq"]
    if type(seq) is not int or not 1 <= seq <= MAX_SAFE_INTEGER:
        raise MalformedEvent("seq", "must be an integer from 1 to 2^53-1")
    prev = fields["prev"]
    if seq == 1:
        if prev is not None:
            raise MalformedEvent("prev", "must be null on an author's first event (seq 1)")
    elif not isinstance(prev, str) or not _HEX64.fullmatch(prev):
        raise MalformedEvent("prev", "must be the id of the author's previous event (64 hex)")
    time = fields["time"]
    if not isinstance(time, str) or not _TIME.fullmatch(time):
        raise MalformedEvent("time", "must be UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        datetime.fromisoformat(time)
    except ValueError:
        raise MalformedEvent("time", "is not a date that exists") from None
    kind = fields["type"]
    if not isinstance(kind, str) or not _TYPE.fullmatch(kind):
        raise MalformedEvent("type", "must look like 'area.action' in lowercase letters")
    network = fields["network"]
    if network is not None and (not isinstance(network, str) or not _HEX64.fullmatch(network)):
        raise MalformedEvent("network", "must be null or a network id (64 hex)")
    body = fields["body"]
    if not isinstance(body, dict):
        raise MalformedEvent("body", "must be a JSON object")
    if not _depth(body, MAX_BODY_DEPTH):
        raise MalformedEvent("body", f"nests deeper than {MAX_BODY_DEPTH} levels")


def _encode(fields: Mapping[str, Any]) -> bytes:
    try:
        return canonical(dict(fields))
    except CanonicalError as error:
        raise MalformedEvent("body", str(error)) from error


def seal(
    key: Keypair,
    *,
    seq: int,
    prev: str | None,
    type: str,
    body: Mapping[str, Any],
    network: str | None = None,
    time: str | None = None,
) -> Event:
    """Build, check and sign an event by `key`."""
    fields: dict[str, Any] = {
        "author": key.public,
        "seq": seq,
        "prev": prev,
        "time": time or event_time(),
        "type": type,
        "network": network,
        "body": dict(body),
    }
    _check_signed_fields(fields)
    payload = _encode(fields)
    if len(payload) > MAX_EVENT_BYTES:
        raise MalformedEvent("body", f"event is {len(payload)} bytes; the limit is {MAX_EVENT_BYTES}")
    event_id = hashlib.sha256(payload).hexdigest()
    sig = key.sign(signing_message(event_id)).hex()
    # The body is read back from the signed bytes, so it shares nothing with the caller's.
    try:
        body_signed = parse_json(payload)["body"]
    except CanonicalError as error:
        raise MalformedEvent("body", str(error)) from error
    return _event(event_id, {**fields, "body": body_signed}, sig, payload)


def open_event(data: bytes | str | Mapping[str, Any]) -> Event:
    """Check an event received from anywhere and return it; raise MalformedEvent if it is bad.

    Checks size, strict JSON (no floats), the envelope's fields, the id and the signature.
    """
    event = decode_event(data)
    if not signature_holds(event):
        raise MalformedEvent("sig", "is not a valid signature by the author", event.id)
    return event


def signature_holds(event: Event) -> bool:
    """Whether the event's signature is its author's: the part of opening an event that is
    pure libsodium work (which runs without Python's lock, so batches can be checked on
    another thread)."""
    return verify_signature(bytes.fromhex(event.author), signing_message(event.id), bytes.fromhex(event.sig))


def decode_event(data: bytes | str | Mapping[str, Any]) -> Event:
    """Everything `open_event` checks except the signature; check that with `signature_holds`."""
    if isinstance(data, Mapping):
        envelope: Any = dict(data)
    else:
        if len(data) > MAX_EVENT_BYTES + 512:
            raise MalformedEvent("event", f"is {len(data)} bytes; the limit is {MAX_EVENT_BYTES}")
        try:
            envelope = parse_json(data)
        except CanonicalError as error:
            raise MalformedEvent("event", str(error)) from error
    if not isinstance(envelope, dict):
        raise MalformedEvent("event", "must be a JSON object")
    keys = envelope.keys()
    if keys != _ENVELOPE_FIELDS:
        missing = sorted(_ENVELOPE_FIELDS - keys)
        unknown = sorted(keys - _ENVELOPE_FIELDS)
        if missing:
            raise MalformedEvent(missing[0], "is missing")
        raise MalformedEvent(unknown[0], "is not a field of the event envelope")
    claimed_id = envelope.pop("id")
    sig = envelope.pop("sig")
    _check_signed_fields(envelope)
    if isinstance(data, Mapping):  # text was checked by parse_json; a mapping is checked here
        try:
            check_value(envelope["body"], "body")
        except CanonicalError as error:
            raise MalformedEvent("body", str(error)) from error
    payload = _encode(envelope)
    if len(payload) > MAX_EVENT_BYTES:
        raise MalformedEvent("event", f"is {len(payload)} bytes; the limit is {MAX_EVENT_BYTES}")
    event_id = hashlib.sha256(payload).hexdigest()
    if claimed_id != event_id:
        raise MalformedEvent("id", f"does not match the event's content (content hashes to {event_id[:12]}…)")
    if not isinstance(sig, str) or not _HEX128.fullmatch(sig):
        raise MalformedEvent("sig", "must be an Ed25519 signature as 128 lowercase hex digits", event_id)
    return _event(event_id, envelope, sig, payload)


def reopen(event_id: str, payload: bytes, sig: str) -> Event:
    """Rebuild an Event from stored payload bytes, checking id, canonical form and signature."""
    try:
        fields = parse_json(payload)
    except CanonicalError as error:
        raise MalformedEvent("payload", str(error), event_id) from error
    if not isinstance(fields, dict) or fields.keys() != _SIGNED_FIELDS:
        raise MalformedEvent("payload", "does not hold exactly the signed fields", event_id)
    _check_signed_fields(fields)
    if hashlib.sha256(payload).hexdigest() != event_id:
        raise MalformedEvent("id", "does not match the stored content", event_id)
    try:
        in_canonical_form = canonical(fields) == payload
    except CanonicalError as error:
        raise MalformedEvent("payload", str(error), event_id) from error
    if not in_canonical_form:
        raise MalformedEvent("payload", "is not in canonical form", event_id)
    if not isinstance(sig, str) or not _HEX128.fullmatch(sig) or not verify_signature(
        bytes.fromhex(fields["author"]), signing_message(event_id), bytes.fromhex(sig)
    ):
        raise MalformedEvent("sig", "is not a valid signature by the author", event_id)
    return _event(event_id, fields, sig, payload)


def from_stored(event_id: str, payload: bytes, sig: str) -> Event:
    """Rebuild an Event from payload bytes this node checked when it stored them.

    For folding the log again, where `reopen`'s full checks would repeat work already done;
    `multitude verify` uses `reopen`.
    """
    fields = parse_json(payload)
    return _event(event_id, fields, sig, payload)
