"""Rules of agents, networks, membership and roles: what each event does, and who may send it.

Each handler reads the state, raises Rejected with a reason a member understands when the
event is not allowed, and otherwise writes its effect. `actor` is the agent the author speaks
for (the author itself, or the agent a linked device belongs to).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from multitude.domain.governance.assembly import Assembly
from multitude.domain.networks.bodies import (
    Charter,
    CharterAmended,
    DeviceLinked,
    DeviceUnlinked,
    MemberDecision,
    MembershipRequested,
    NetworkCreated,
    Profile,
    RemovalOrDecline,
    RoleChange,
)
from multitude.domain.rules import (
    Rejected,
    acting_network,
    custodians,
    holds,
    is_member,
    member_networks,
    require_custodian,
    require_direct,
)
from multitude.domain.state import (
    AgentRow,
    DeviceRow,
    MembershipRow,
    NetworkRow,
    RoleRow,
    State,
    under,
)
from multitude.ledger import Event, canonical, verify_signature

__all__ = [
    "DEVICE_LINK_DOMAIN",
    "HANDLERS",
    "admit",
    "amend_charter",
    "charter_document",
    "charter_of",
    "device_link_message",
    "grant",
    "leave",
    "remove",
    "request_membership",
    "revoke",
]

DEVICE_LINK_DOMAIN = b"multitude/device-link/v1\x00"

Handler = Callable[[State, Event, Any, str], None]


def device_link_message(agent: str) -> bytes:
    """What a device signs to consent to speak for `agent`."""
    return DEVICE_LINK_DOMAIN + bytes.fromhex(agent)


def _list(values: tuple[str, ...]) -> str:
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))


def charter_of(row: NetworkRow) -> Charter:
    """The network's charter, read back from its row."""
    return Charter.model_validate_json(row.charter)


def profile(state: State, event: Event, body: Profile, actor: str) -> None:
    if (actor,) in state.networks:
        raise Rejected("a network's profile is its charter; amend the charter instead")
    state.agents[(actor,)] = AgentRow(
        actor, body.kind, body.name, body.about, _list(body.skills), body.location, _list(body.links), event.id
    )


def device_linked(state: State, event: Event, body: DeviceLinked, actor: str) -> None:
    if body.device == actor:
        raise Rejected("an agent's own key is not a device of itself")
    if body.device in (row.agent for row in state.devices.values() if row.status == "linked"):
        raise Rejected("a key that has devices of its own cannot become someone's device")
    existing = state.devices.get((body.device,))
    if existing is not None:
        raise Rejected(f"device {body.device[:12]} was already linked to agent {existing.agent[:12]}")
    if not verify_signature(bytes.fromhex(body.device), device_link_message(actor), bytes.fromhex(body.proof)):
        raise Rejected("the device's proof is not its signature of consent to this agent")
    state.devices[(body.device,)] = DeviceRow(body.device, actor, body.label, "linked", event.id)


def device_unlinked(state: State, event: Event, body: DeviceUnlinked, actor: str) -> None:
    row = state.devices.get((body.device,))
    if row is None or row.agent != actor or row.status != "linked":
        raise Rejected(f"device {body.device[:12]} is not a linked device of this agent")
    state.devices[(body.device,)] = row._replace(status="unlinked", event=event.id)


def charter_document(charter: Charter) -> dict[str, Any]:
    """The charter as stored; an assembly left at its defaults is not written, so charters from
    before assemblies existed keep their exact text."""
    document = charter.model_dump(mode="json")
    if charter.assembly == Assembly():
        del document["assembly"]
    return document


def _network_row(network: str, name: str, purpose: str, charter: Charter, founder: str, event: str) -> NetworkRow:
    return NetworkRow(
        network, name, purpose, charter.membership, charter.approver_role, _list(charter.all_roles()),
        canonical(charter_document(charter)).decode(), founder, event,
    )


def network_created(state: State, event: Event, body: NetworkCreated, actor: str) -> None:
    network = event.id
    state.networks[(network,)] = _network_row(network, body.name, body.purpose, body.charter, actor, event.id)
    state.memberships[(network, actor)] = MembershipRow(network, actor, "agent", "member", "", event.id, event.time)
    state.roles[(network, actor, "custodian")] = RoleRow(network, actor, "custodian", event.id)


def charter_amended(state: State, event: Event, body: CharterAmended, actor: str) -> None:
    row = acting_network(state, event)
    require_custodian(state, row.network, actor, "amend the charter")
    require_direct(state, row.network, "amend_charter", "amending the charter")
    current = charter_of(row).assembly
    if current.decides and body.charter.assembly != current:
        raise Rejected("the charter reserves decisions for the assembly, so only the assembly changes how it "
                       "decides: open a proposal")
    amend_charter(state, row, body.name, body.purpose, body.charter, event)


def amend_charter(state: State, row: NetworkRow, name: str, purpose: str, charter: Charter, event: Event) -> None:
    """Give the network a new name, purpose and charter (whoever decided it)."""
    roles = charter.all_roles()
    orphaned = sorted(
        {key[2] for key in state.roles if key[0] == row.network and key[2] not in roles}
    )
    if orphaned:
        raise Rejected(f"roles still held would no longer exist: {', '.join(orphaned)}; revoke them first")
    state.networks[(row.network,)] = _network_row(row.network, name, purpose, charter, row.founder, event.id)


def _would_cycle(state: State, network: str, joining: str) -> bool:
    """True when `network` is already `joining` itself or inside it."""
    seen, todo = set(), [joining]
    while todo:
        current = todo.pop()
        if current == network:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(member_networks(state, current))
    return False


def membership_requested(state: State, event: Event, body: MembershipRequested, actor: str) -> None:
    net = acting_network(state, event)
    member, kind = actor, "agent"
    if body.on_behalf_of is not None:
        member, kind = body.on_behalf_of, "network"
        if (member,) not in state.networks:
            raise Rejected(f"network {member[:12]} is not known")
        if not holds(state, member, actor, "custodian"):
            raise Rejected("only a custodian of the joining network may ask on its behalf")
        require_direct(state, member, "join_network", "joining another network")
    request_membership(state, net, member, kind, body.note, event)


def request_membership(state: State, net: NetworkRow, member: str, kind: str, note: str, event: Event) -> str:
    """`member` asks to join `net` (a network on its own behalf when `kind` is "network"): a
    member at once where the network is open or invited them, else a request waiting. Returns
    the new status."""
    if kind == "network" and _would_cycle(state, net.network, member):
        raise Rejected("the network would become a member of itself")
    row = state.memberships.get((net.network, member))
    status = row.status if row else None
    if status == "member":
        raise Rejected("already a member")
    if status == "requested":
        raise Rejected("a request to join is already waiting")
    if status == "removed" and net.policy != "approval":
        raise Rejected("was removed from the network; only an invitation can bring them back")
    if net.policy == "open" or status == "invited":
        new_status = "member"
    elif net.policy == "approval":
        new_status = "requested"
    else:
        raise Rejected("this network admits members by invitation only")
    state.memberships[(net.network, member)] = MembershipRow(net.network, member, kind, new_status, note, event.id,
                                                            event.time)
    return new_status


def _require_approver(state: State, net: NetworkRow, actor: str) -> None:
    if not (holds(state, net.network, actor, net.approver_role) or holds(state, net.network, actor, "custodian")):
        raise Rejected(f"only a member holding the {net.approver_role} role may decide on admissions")


def _admission(state: State, member: str) -> tuple[str, str]:
    """(the kind of member, the action kind that admits it)."""
    return ("network", "accept_network") if (member,) in state.networks else ("agent", "admit_member")


def membership_invited(state: State, event: Event, body: MemberDecision, actor: str) -> None:
    net = acting_network(state, event)
    _require_approver(state, net, actor)
    require_direct(state, net.network, _admission(state, body.member)[1], "admitting members")
    invite(state, net, body.member, body.reason, event)


def invite(state: State, net: NetworkRow, member: str, reason: str, event: Event) -> None:
    row = state.memberships.get((net.network, member))
    if row is not None and row.status == "member":
        raise Rejected("already a member")
    kind = _admission(state, member)[0]
    if kind == "network" and _would_cycle(state, net.network, member):
        raise Rejected("the network would become a member of itself")
    state.memberships[(net.network, member)] = MembershipRow(net.network, member, kind, "invited", reason, event.id,
                                                            event.time)


def admit(state: State, net: NetworkRow, member: str, reason: str, event: Event) -> str:
    """Admit `member` (whoever decided it): a waiting request is approved; anyone else who has not
    asked is invited, and becomes a member by asking. Returns what happened."""
    row = state.memberships.get((net.network, member))
    if row is not None and row.status == "requested":
        state.memberships[(net.network, member)] = row._replace(status="member", reason=reason, event=event.id,
                                                                since=event.time)
        return "admitted"
    invite(state, net, member, reason, event)
    return "invited (they become a member by asking to join)"


def _pending(state: State, net: NetworkRow, member: str) -> MembershipRow:
    row = state.memberships.get((net.network, member))
    if row is None or row.status != "requested":
        raise Rejected(f"{member[:12]} has no request to join waiting")
    return row


def membership_approved(state: State, event: Event, body: MemberDecision, actor: str) -> None:
    net = acting_network(state, event)
    _require_approver(state, net, actor)
    require_direct(state, net.network, _admission(state, body.member)[1], "admitting members")
    row = _pending(state, net, body.member)
    state.memberships[(net.network, body.member)] = row._replace(status="member", reason=body.reason,
                                                                 event=event.id, since=event.time)


def membership_declined(state: State, event: Event, body: RemovalOrDecline, actor: str) -> None:
    net = acting_network(state, event)
    _require_approver(state, net, actor)
    require_direct(state, net.network, _admission(state, body.member)[1], "deciding on admissions")
    row = _pending(state, net, body.member)
    state.memberships[(net.network, body.member)] = row._replace(status="declined", reason=body.reason,
                                                                 event=event.id, since=event.time)


def _roles_named(state: State, network: str) -> tuple[str, ...]:
    """Every role that can be held in the network (the charter refuses to drop a held one)."""
    return tuple(json.loads(state.networks[(network,)].roles))


def _end_membership(state: State, network: str, member: str, status: str, reason: str, event: Event) -> None:
    row = state.memberships[(network, member)]
    held = [(network, member, role) for role in _roles_named(state, network) if (network, member, role) in state.roles]
    if ("custodian" in (key[2] for key in held)) and custodians(state, network) == [member]:
        others = [r for r in under(state.memberships, network) if r.status == "member"]
        if len(others) > 1:
            raise Rejected("the last custodian cannot go while others remain; grant the role to someone first")
    for key in held:
        del state.roles[key]
    state.memberships[(network, member)] = row._replace(status=status, reason=reason, event=event.id, since=event.time)


def membership_left(state: State, event: Event, body: MemberDecision, actor: str) -> None:
    net = acting_network(state, event)
    if body.member != actor and not holds(state, body.member, actor, "custodian"):
        raise Rejected("a member leaves by themselves (or a network by its custodian)")
    if body.member != actor:
        require_direct(state, body.member, "leave_network", "leaving another network")
    leave(state, net, body.member, body.reason, event)


def leave(state: State, net: NetworkRow, member: str, reason: str, event: Event) -> None:
    if not is_member(state, net.network, member):
        raise Rejected("is not a member")
    _end_membership(state, net.network, member, "left", reason, event)


def membership_removed(state: State, event: Event, body: RemovalOrDecline, actor: str) -> None:
    net = acting_network(state, event)
    require_custodian(state, net.network, actor, "remove a member")
    require_direct(state, net.network, "remove_member", "removing members")
    remove(state, net, body.member, body.reason, event)


def remove(state: State, net: NetworkRow, member: str, reason: str, event: Event) -> None:
    row = state.memberships.get((net.network, member))
    if row is None or row.status not in ("member", "invited", "requested"):
        raise Rejected(f"{member[:12]} is not a member")
    _end_membership(state, net.network, member, "removed", reason, event)


def role_granted(state: State, event: Event, body: RoleChange, actor: str) -> None:
    net = acting_network(state, event)
    require_custodian(state, net.network, actor, "grant roles")
    require_direct(state, net.network, "grant_role", "granting roles")
    grant(state, net, body.member, body.role, event)


def grant(state: State, net: NetworkRow, member: str, role: str, event: Event) -> None:
    roles = _roles_named(state, net.network)
    if role not in roles:
        raise Rejected(f"the charter has no role {role!r} (it has: {', '.join(roles)})")
    if not is_member(state, net.network, member):
        raise Rejected(f"{member[:12]} is not a member")
    if holds(state, net.network, member, role):
        raise Rejected(f"already holds the {role} role")
    state.roles[(net.network, member, role)] = RoleRow(net.network, member, role, event.id)


def role_revoked(state: State, event: Event, body: RoleChange, actor: str) -> None:
    net = acting_network(state, event)
    require_custodian(state, net.network, actor, "revoke roles")
    require_direct(state, net.network, "revoke_role", "revoking roles")
    revoke(state, net, body.member, body.role)


def revoke(state: State, net: NetworkRow, member: str, role: str) -> None:
    if not holds(state, net.network, member, role):
        raise Rejected(f"does not hold the {role} role")
    if role == "custodian" and custodians(state, net.network) == [member]:
        raise Rejected("the network would have no custodian left")
    del state.roles[(net.network, member, role)]


HANDLERS: dict[str, Handler] = {
    "agent.profile": profile,
    "agent.device_linked": device_linked,
    "agent.device_unlinked": device_unlinked,
    "network.created": network_created,
    "network.charter_amended": charter_amended,
    "membership.requested": membership_requested,
    "membership.invited": membership_invited,
    "membership.approved": membership_approved,
    "membership.declined": membership_declined,
    "membership.left": membership_left,
    "membership.removed": membership_removed,
    "role.granted": role_granted,
    "role.revoked": role_revoked,
}
