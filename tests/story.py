"""A small language for writing a network's story in tests: people sign events in turn."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from multitude.domain import State, apply, validate_body
from multitude.ledger import Event, Keypair, seal
from multitude.ledger.event import event_time
from multitude.projection.order import Entry, resolve

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def person(name: str) -> Keypair:
    """The same key for the same name in every test."""
    return Keypair(hashlib.sha256(f"test person {name}".encode()).digest())


class Story:
    """Signs events as different people, with chains and a steadily advancing clock."""

    def __init__(self) -> None:
        self.heads: dict[str, tuple[int, str]] = {}
        self.clock = START
        self.events: list[Event] = []

    def sign(self, key: Keypair, type: str, network: str | None = None, *, seq: int | None = None,
             prev: str | None = None, time: datetime | None = None, **body: Any) -> Event:
        head = self.heads.get(key.public)
        self.clock += timedelta(minutes=1)
        event = seal(
            key,
            seq=seq if seq is not None else (head[0] + 1 if head else 1),
            prev=prev if seq is not None else (head[1] if head else None),
            type=type,
            network=network,
            body={"v": 1, **body},
            time=event_time(time or self.clock),
        )
        if seq is None:
            self.heads[key.public] = (event.seq, event.id)
        self.events.append(event)
        return event

    def profile(self, key: Keypair, name: str) -> Event:
        return self.sign(key, "agent.profile", kind="person", name=name)

    def network(self, key: Keypair, name: str, membership: str = "open", roles: Iterable[str] = (),
                approver_role: str = "custodian") -> str:
        charter = {"membership": membership, "approver_role": approver_role, "roles": list(roles)}
        return self.sign(key, "network.created", name=name, charter=charter).id

    def join(self, key: Keypair, network: str, on_behalf_of: str | None = None) -> Event:
        extra = {"on_behalf_of": on_behalf_of} if on_behalf_of else {}
        return self.sign(key, "membership.requested", network, **extra)

    def decide(self, key: Keypair, type: str, network: str, member: str, reason: str = "") -> Event:
        return self.sign(key, type, network, member=member, reason=reason)

    def grant(self, key: Keypair, network: str, member: str, role: str) -> Event:
        return self.sign(key, "role.granted", network, member=member, role=role)


def entries(events: Iterable[Event]) -> list[Entry]:
    return [Entry(e, validate_body(e.type, e.body, e.network)) for e in events]


def fold(events: Iterable[Event]) -> tuple[State, dict[str, str]]:
    """Fold events in the projection's order; return the state and each event's status.

    The status is 'applied', 'rejected: <reason>' or 'pending: <waited-for id>'.
    """
    state = State.empty()
    statuses: dict[str, str] = {}
    resolution = resolve(entries(events), {})
    for _, entry in resolution.ready:
        outcome = apply(state, entry.event, entry.body)
        statuses[entry.event.id] = "applied" if outcome.applied else f"rejected: {outcome.reason}"
    for entry, waiting in resolution.pending:
        statuses[entry.event.id] = f"pending: {waiting}"
    return state, statuses


def member_status(state: State, network: str, member: str) -> str | None:
    row = state.memberships.get((network, member))
    return row.status if row else None


def roles_of(state: State, network: str, member: str) -> set[str]:
    return {key[2] for key in state.roles if key[:2] == (network, member)}
