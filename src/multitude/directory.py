"""Finding networks and people in the projection: by name, id or key; members all the way
down through member networks; what to call someone. Read-only; the node mixes it in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from multitude.domain.state import AgentRow, NetworkRow, under
from multitude.errors import NodeError
from multitude.keyring import Keyring, KeyringError
from multitude.projection import Projector

__all__ = ["Directory", "Member"]

_KEY = re.compile(r"[0-9a-f]{64}")
_PREFIX = re.compile(r"[0-9a-f]{6,64}")


@dataclass(frozen=True)
class Member:
    """Someone who belongs to a network, directly or through member networks (`via`)."""

    agent: str
    name: str
    kind: str  # agent | network
    roles: tuple[str, ...]
    via: tuple[str, ...]  # names of the sub-networks through which the agent belongs


class Directory:
    """Queries over the projected networks, memberships, roles and profiles."""

    projector: Projector
    keyring: Keyring | None
    _names: dict[str, str] | None

    def networks(self) -> list[NetworkRow]:
        return sorted(self.projector.state.networks.values(), key=lambda row: (row.name, row.network))

    def network(self, ref: str) -> NetworkRow:
        """A network by id, unique id prefix (6+ hex digits) or unique name."""
        networks = self.projector.state.networks
        if (ref,) in networks:
            return networks[(ref,)]
        # An id prefix before a name: anyone can name a network after another's short id.
        matches = [row for row in networks.values() if row.network.startswith(ref)] if _PREFIX.fullmatch(ref) else []
        if not matches:
            matches = [row for row in networks.values() if row.name == ref]
        if len(matches) == 1:
            return matches[0]
        if matches:
            ids = ", ".join(row.network[:12] for row in matches)
            raise NodeError(f"{ref!r} names several networks ({ids}); use an id")
        raise NodeError(f"no network {ref!r} here (see `multitude network list`)")

    def agents(self) -> list[AgentRow]:
        return sorted(self.projector.state.agents.values(), key=lambda row: (row.name, row.agent))

    def resolve_agent(self, ref: str) -> str:
        """An agent (or network) by key, unique prefix, or unique profile or network name."""
        state = self.projector.state
        if (ref,) in state.agents or (ref,) in state.networks or _KEY.fullmatch(ref):
            return ref
        if self.keyring is not None and ref in self.keyring.names():  # an identity on this machine
            key = self.keyring.identity(ref).public
            device = state.devices.get((key,))
            return device.agent if device is not None and device.status == "linked" else key
        # A key prefix before a name: anyone can take another's short key as their profile name.
        named: set[str] = set()
        if _PREFIX.fullmatch(ref):
            everyone = {key[1] for key in state.memberships} | {key[0] for key in state.agents}
            named = {agent for agent in everyone if agent.startswith(ref)}
        if not named:
            named = {row.agent for row in state.agents.values() if row.name == ref}
            named |= {row.network for row in state.networks.values() if row.name == ref}
        if len(named) == 1:
            return named.pop()
        if named:
            raise NodeError(f"{ref!r} names several agents; use a key")
        raise NodeError(f"no agent {ref!r} known here")

    def name_of(self, agent: str) -> str:
        """A network's or a profile's name; else the name of an identity on this machine; else the key."""
        state = self.projector.state
        if (agent,) in state.networks:
            return state.networks[(agent,)].name
        row = state.agents.get((agent,))
        if row is not None:
            return row.name
        return self._local_names().get(agent, agent[:12])

    def _local_names(self) -> dict[str, str]:
        if self._names is None:
            self._names = {}
            keyring = self.keyring
            if keyring is not None:
                for name in keyring.names():
                    try:
                        self._names[keyring.identity(name).public] = name
                    except KeyringError:
                        continue  # a damaged key file names no one
        return self._names

    def roles(self, network: str, member: str) -> tuple[str, ...]:
        return self._roles_held(network).get(member, ())

    def _roles_held(self, network: str) -> dict[str, tuple[str, ...]]:
        """The roles each member holds in the network, sorted; the network's roles read once."""
        held: dict[str, list[str]] = {}
        for row in under(self.projector.state.roles, network):
            held.setdefault(row.member, []).append(row.role)
        return {member: tuple(sorted(roles)) for member, roles in held.items()}

    def memberships(self, network: str) -> list[tuple[str, str, str]]:
        """(member, status, reason) of everyone who ever asked to join or was invited."""
        net = self.network(network).network
        return sorted(((row.member, row.status, row.reason) for row in under(self.projector.state.memberships, net)),
                      key=lambda r: self.name_of(r[0]))

    def supernetworks(self, network: str) -> list[str]:
        """The networks `network` is a member of."""
        return [row.network for row in under(self.projector.state.memberships, network, 1) if row.status == "member"]

    def members(self, network: str, through_subnetworks: bool = True) -> list[Member]:
        """Members of a network, and (by default) the members of its member networks, all the way down."""
        state = self.projector.state
        root = self.network(network).network
        found: list[Member] = []
        todo: list[tuple[str, tuple[str, ...]]] = [(root, ())]
        seen = {root}
        while todo:
            current, via = todo.pop(0)
            rows = sorted((row for row in under(state.memberships, current) if row.status == "member"),
                          key=lambda row: (self.name_of(row.member), row.member))
            held = self._roles_held(current)  # read once for the network, not once per member
            for row in rows:
                found.append(Member(row.member, self.name_of(row.member), row.kind, held.get(row.member, ()), via))
                if through_subnetworks and row.kind == "network" and row.member not in seen:
                    seen.add(row.member)
                    todo.append((row.member, (*via, self.name_of(row.member))))
        return found
