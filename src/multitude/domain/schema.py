"""Event types: each type's body is a declared, versioned schema with limits on every field.

A body carries its schema version as `v`. Bodies are validated strictly (no coercion, no extra
fields). Old versions are upgraded when read, never rewritten: register a new model and an
`upgrade` from the old one when a body changes shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

__all__ = [
    "AgentRef",
    "Body",
    "EventId",
    "EventType",
    "InvalidBody",
    "Name",
    "Note",
    "Reason",
    "RoleName",
    "event_type",
    "event_types",
    "register",
    "validate_body",
]

EventId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
AgentRef = EventId  # an agent is named by its public key, a network by its creation event's id
Name = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=False)]
Note = Annotated[str, StringConstraints(max_length=2000)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
RoleName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]

class Body(BaseModel):
    """Base of every event body: strict, closed, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class InvalidBody(ValueError):
    """A body that does not match its type's schema; `field` names the offending part."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


@dataclass(frozen=True)
class EventType:
    """One event type: its name, current body model, scope and the events it must follow."""

    name: str
    model: type[Body]
    version: int
    scoped: bool  # True: the envelope's `network` names the network acted in
    references: Callable[[Any], tuple[str, ...]]  # ids this event cannot be applied without
    upgrades: Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]]


_TYPES: dict[str, EventType] = {}


def _no_references(body: Any) -> tuple[str, ...]:
    return ()


def register(
    name: str,
    model: type[Body],
    *,
    scoped: bool,
    references: Callable[[Any], tuple[str, ...]] = _no_references,
    version: int = 1,
    upgrades: Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
) -> EventType:
    if name in _TYPES:
        raise ValueError(f"event type {name} is registered twice")
    kind = EventType(name, model, version, scoped, references, dict(upgrades or {}))
    _TYPES[name] = kind
    return kind


def event_type(name: str) -> EventType | None:
    return _TYPES.get(name)


def event_types() -> tuple[EventType, ...]:
    return tuple(sorted(_TYPES.values(), key=lambda kind: kind.name))


def _describe(error: ValidationError) -> InvalidBody:
    first = error.errors(include_url=False)[0]
    field = ".".join(["body", *(str(part) for part in first["loc"])])
    return InvalidBody(field, first["msg"].removeprefix("Value error, "))  # our own checks speak for themselves


def validate_body(type_name: str, body: Mapping[str, Any], network: str | None) -> Body:
    """Return the typed body of an event, or raise InvalidBody naming what is wrong."""
    kind = _TYPES.get(type_name)
    if kind is None:
        raise InvalidBody("type", f"unknown event type {type_name!r}")
    if kind.scoped and network is None:
        raise InvalidBody("network", f"a {type_name} event must name the network it acts in")
    if not kind.scoped and network is not None:
        raise InvalidBody("network", f"a {type_name} event is not scoped to a network")
    version = body.get("v")
    if type(version) is not int:
        raise InvalidBody("body.v", "the body's schema version must be an integer")
    data = dict(body)
    while version < kind.version:
        upgrade = kind.upgrades.get(version)
        if upgrade is None:
            raise InvalidBody("body.v", f"version {version} of {type_name} is not known")
        data = upgrade(data)
        version = data["v"]
    if version != kind.version:
        raise InvalidBody("body.v", f"version {version} of {type_name} is newer than this node knows")
    for value in _strings(data):
        if "\x00" in value:
            raise InvalidBody("body", "text may not contain NUL characters")
    try:
        return kind.model.model_validate(data)
    except ValidationError as error:
        raise _describe(error) from None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
