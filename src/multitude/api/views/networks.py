"""Networks as pages and the API show them: the list, one network with its charter, members,
roles, place among networks, equation, recent activity and contributions over time."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from pydantic import BaseModel

from multitude.api.access import is_insider
from multitude.api.paging import Page, page_of
from multitude.domain.accounting.distribution import equation_in_force
from multitude.domain.networks.rules import charter_of
from multitude.domain.rules import holds
from multitude.domain.state import NetworkRow, under
from multitude.node import Node
from multitude.store import EventFilter

__all__ = ["NetworkDetail", "NetworkSummary", "network_detail", "network_summaries"]


class NetworkSummary(BaseModel):
    network: str
    name: str
    purpose: str
    membership: str
    members: int


class MemberOut(BaseModel):
    agent: str
    name: str
    kind: str
    roles: list[str]
    via: list[str]


class NetworkRef(BaseModel):
    network: str
    name: str


class EquationOut(BaseModel):
    equation: str
    name: str
    version: int
    document: str


class ActivityOut(BaseModel):
    event: str
    type: str
    author: str
    author_name: str
    time: str
    status: str
    reason: str


class Period(BaseModel):
    period: str  # YYYY-MM
    action: str
    contributions: int
    hours: str


class NetworkDetail(BaseModel):
    network: str
    name: str
    purpose: str
    charter: dict[str, Any]
    roles: list[str]
    members: list[MemberOut]
    subnetworks: list[NetworkRef]
    supernetworks: list[NetworkRef]
    equation: EquationOut | None
    my_status: str  # member | requested | invited | declined | left | removed | none
    my_roles: list[str]
    insider: bool  # may see contributions, activity and money
    can_decide_joins: bool
    activity: list[ActivityOut]  # the latest events, for insiders
    contributions_by_month: list[Period]  # for insiders


def network_summaries(node: Node, query: str = "", limit: int = 50, offset: int = 0) -> Page[NetworkSummary]:
    """A page of the networks by name (then id), those whose name or purpose holds `query` (any
    case); summaries are made for the page only."""
    wanted = query.strip().lower()
    found = [row for row in node.networks()
             if not wanted or wanted in row.name.lower() or wanted in row.purpose.lower()]
    chosen = page_of(found, limit, offset)
    shown = {row.network for row in chosen.items}
    memberships = node.projector.state.memberships
    members = {network: sum(1 for m in under(memberships, network) if m.status == "member") for network in shown}
    items = [NetworkSummary(network=row.network, name=row.name, purpose=row.purpose, membership=row.policy,
                            members=members[row.network]) for row in chosen.items]
    return Page[NetworkSummary](items=items, total=chosen.total, limit=limit, offset=offset,
                                next_offset=chosen.next_offset)


def _hours(micro: int) -> str:
    whole, part = divmod(micro, 1_000_000)
    return f"{whole}.{part:06d}".rstrip("0").rstrip(".") if part else str(whole)


def contributions_by_month(node: Node, network: str, contributor: str | None = None) -> list[Period]:
    """Contributions that count or may count (not retracted, corrected or flagged), by month and action."""
    months: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for day, action, status, count, hours in node.contribution_totals(network, contributor):
        if status in ("pending", "validated"):
            total = months[(day[:7], action)]
            total[0] += count
            total[1] += hours
    return [Period(period=period, action=action, contributions=count, hours=_hours(hours))
            for (period, action), (count, hours) in sorted(months.items())]


def activity(node: Node, network: str, last: int = 20) -> list[ActivityOut]:
    entries = node.log(EventFilter(network=network, last=last))
    return [ActivityOut(event=event.id, type=event.type, author=event.author, author_name=node.name_of(event.author),
                        time=event.time, status=receipt.status, reason=receipt.reason)
            for event, receipt in reversed(entries)]


def network_detail(node: Node, row: NetworkRow, agent: str) -> NetworkDetail:
    state = node.projector.state
    net = row.network
    membership = state.memberships.get((net, agent))
    insider = is_insider(node, net, agent)
    members = [MemberOut(agent=m.agent, name=m.name, kind=m.kind, roles=list(m.roles), via=list(m.via))
               for m in node.members(net)]
    subnetworks = [NetworkRef(network=m.member, name=node.name_of(m.member)) for m in under(state.memberships, net)
                   if m.status == "member" and m.kind == "network"]
    supernetworks = [NetworkRef(network=parent, name=node.name_of(parent)) for parent in node.supernetworks(net)]
    in_force = equation_in_force(state, net)
    equation = (EquationOut(equation=in_force.equation, name=in_force.name, version=in_force.version,
                            document=in_force.document) if in_force else None)
    return NetworkDetail(
        network=net, name=row.name, purpose=row.purpose, charter=charter_of(row).model_dump(mode="json"),
        roles=json.loads(row.roles), members=members,
        subnetworks=sorted(subnetworks, key=lambda ref: (ref.name, ref.network)),
        supernetworks=sorted(supernetworks, key=lambda ref: (ref.name, ref.network)),
        equation=equation, my_status=membership.status if membership else "none",
        my_roles=list(node.roles(net, agent)), insider=insider,
        can_decide_joins=holds(state, net, agent, row.approver_role),
        activity=activity(node, net) if insider else [],
        contributions_by_month=contributions_by_month(node, net) if insider else [],
    )
