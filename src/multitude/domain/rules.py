"""What every rule module shares: the rejection a rule raises, and membership look-ups."""

from __future__ import annotations

from multitude.domain.state import State

__all__ = ["Rejected", "custodians", "holds", "is_member", "member_networks"]


class Rejected(Exception):
    """A well-formed event that is not allowed where it stands; the message says why."""


def is_member(state: State, network: str, agent: str) -> bool:
    row = state.memberships.get((network, agent))
    return row is not None and row.status == "member"


def holds(state: State, network: str, agent: str, role: str) -> bool:
    return (network, agent, role) in state.roles


def custodians(state: State, network: str) -> list[str]:
    return sorted(row.member for key, row in state.roles.items() if key[0] == network and key[2] == "custodian")


def member_networks(state: State, network: str) -> list[str]:
    """Networks that are members of `network`."""
    return sorted(
        row.member
        for key, row in state.memberships.items()
        if key[0] == network and row.kind == "network" and row.status == "member"
    )
