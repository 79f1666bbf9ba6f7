"""What every rule module shares: the rejection a rule raises, the network an event acts in,
and membership look-ups."""

from __future__ import annotations

import json

from multitude.domain.state import NetworkRow, State, under
from multitude.ledger import Event

__all__ = [
    "Rejected",
    "acting_network",
    "custodians",
    "holds",
    "is_member",
    "member_networks",
    "require_custodian",
    "require_direct",
]


class Rejected(Exception):
    """A well-formed event that is not allowed where it stands; the message says why."""


def acting_network(state: State, event: Event) -> NetworkRow:
    """The network a scoped event acts in; Rejected while it is not known."""
    assert event.network is not None  # scoped types always name one (checked by the schema)
    row = state.networks.get((event.network,))
    if row is None:
        raise Rejected(f"network {event.network[:12]} is not known")
    return row


def require_custodian(state: State, network: str, actor: str, doing: str) -> None:
    if not holds(state, network, actor, "custodian"):
        raise Rejected(f"only a custodian of the network may {doing}")


def require_direct(state: State, network: str, kind: str, doing: str) -> None:
    """Refuse to do directly what the network's charter reserves for its assembly (`kind` is an
    action kind of the assembly, e.g. "grant_role")."""
    charter = json.loads(state.networks[(network,)].charter)
    if kind in charter.get("assembly", {}).get("decides", {}):
        raise Rejected(f"the charter reserves {doing} for the assembly: open a proposal")


def is_member(state: State, network: str, agent: str) -> bool:
    row = state.memberships.get((network, agent))
    return row is not None and row.status == "member"


def holds(state: State, network: str, agent: str, role: str) -> bool:
    return (network, agent, role) in state.roles


def custodians(state: State, network: str) -> list[str]:
    return sorted(row.member for row in under(state.roles, network) if row.role == "custodian")


def member_networks(state: State, network: str) -> list[str]:
    """Networks that are members of `network`."""
    return sorted(row.member for row in under(state.memberships, network)
                  if row.kind == "network" and row.status == "member")
