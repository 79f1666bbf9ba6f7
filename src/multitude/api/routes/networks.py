"""Networks: finding, creating, reading one; joining, deciding on joins, roles, leaving."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from multitude.api.access import network_or_404, require_approver, require_insider
from multitude.api.context import Acting, SignedIn, node_of
from multitude.api.paging import Limit, Offset, Page, page_of
from multitude.api.routes.responses import ReceiptOut, errors, receipt_out
from multitude.api.views.contributions import NoteIn, ReasonIn
from multitude.api.views.me import JoinRequest, attention_of
from multitude.api.views.networks import (
    ActivityOut,
    MemberOut,
    NetworkDetail,
    NetworkSummary,
    Period,
    activity,
    contributions_by_month,
    network_detail,
    network_summaries,
)

__all__ = ["NetworkIn", "router"]

router = APIRouter(prefix="/api/v1/networks", tags=["networks"])

RoleName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]


class CurrencyIn(BaseModel):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9]{1,11}$", description="EUR, HOURS, …")
    decimals: int = Field(2, ge=0, le=12)


class ValidationIn(BaseModel):
    policy: Literal["none", "peers", "role"] = "none"
    approvals: int = Field(1, ge=1, le=20)
    role: RoleName | None = None


class NetworkIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    purpose: str = Field("", max_length=4000)
    membership: Literal["open", "approval", "invitation"] = "open"
    approver_role: RoleName = "custodian"
    roles: list[RoleName] = Field(default_factory=list, max_length=20)
    currencies: list[CurrencyIn] = Field(default_factory=list, max_length=10)
    validation: ValidationIn | None = None


class Created(BaseModel):
    network: str


class RoleIn(BaseModel):
    role: RoleName


@router.get("", response_model=Page[NetworkSummary], responses=errors(401, 422))
async def list_networks(request: Request, caller: SignedIn, limit: Limit = 50, offset: Offset = 0,
                        q: Annotated[str, Query(max_length=200, description="words in the name or purpose")] = ""
                        ) -> Page[NetworkSummary]:
    """Networks held on this node, by name."""
    return network_summaries(node_of(request), q, limit, offset)


@router.post("", status_code=201, response_model=Created, responses=errors(401, 403, 422))
async def create_network(request: Request, caller: Acting, network: NetworkIn) -> Created:
    """Create a network; its creator is its first member and custodian."""
    node = node_of(request).speaking_as(caller.key)
    created = node.create_network(
        network.name, network.purpose, network.membership, network.approver_role, network.roles,
        currencies={c.code: c.decimals for c in network.currencies} or None,
        validation=network.validation.model_dump(exclude_none=True) if network.validation else None)
    return Created(network=created)


@router.get("/{network}", response_model=NetworkDetail, responses=errors(401, 404))
async def get_network(request: Request, caller: SignedIn, network: str) -> NetworkDetail:
    """A network: purpose, charter, members and roles, its place among networks, its equation;
    with recent activity and contributions by month for its members."""
    node = node_of(request)
    return network_detail(node, network_or_404(node, network), node.speaking_as(caller.key).agent)


@router.get("/{network}/members", response_model=Page[MemberOut], responses=errors(401, 404, 422))
async def members(request: Request, caller: SignedIn, network: str, limit: Limit = 50, offset: Offset = 0,
                  role: Annotated[str | None, Query(max_length=32)] = None,
                  direct: Annotated[bool, Query(description="only direct members, not through sub-networks")] = False,
                  ) -> Page[MemberOut]:
    """Members by name, then key; also those who belong through member networks unless `direct`."""
    node = node_of(request)
    row = network_or_404(node, network)
    found = [MemberOut(agent=m.agent, name=m.name, kind=m.kind, roles=list(m.roles), via=list(m.via))
             for m in node.members(row.network, through_subnetworks=not direct)
             if role is None or role in m.roles]
    return page_of(found, limit, offset)


@router.get("/{network}/activity", response_model=list[ActivityOut], responses=errors(401, 403, 404, 422))
async def network_activity(request: Request, caller: SignedIn, network: str,
                           last: Annotated[int, Query(ge=1, le=200)] = 20) -> list[ActivityOut]:
    """The network's latest events, newest first (members only)."""
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "activity")
    return activity(node, row.network, last)


@router.get("/{network}/contributions-by-month", response_model=list[Period], responses=errors(401, 403, 404))
async def by_month(request: Request, caller: SignedIn, network: str) -> list[Period]:
    """Contributions that count or may count, by month and action (members only)."""
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "contributions")
    return contributions_by_month(node, row.network)


@router.get("/{network}/requests", response_model=list[JoinRequest], responses=errors(401, 403, 404))
async def join_requests(request: Request, caller: SignedIn, network: str) -> list[JoinRequest]:
    """Requests to join waiting for a decision (for holders of the approver role)."""
    node = node_of(request)
    row = network_or_404(node, network)
    agent = node.speaking_as(caller.key).agent
    require_approver(node, row, agent)
    return [item for item in attention_of(node, agent).join_requests if item.network == row.network]


@router.post("/{network}/join", response_model=ReceiptOut, responses=errors(401, 403, 404, 422))
async def join(request: Request, caller: Acting, network: str, note: NoteIn) -> ReceiptOut:
    """Join an open network, or ask to join one that approves its members."""
    node = node_of(request)
    row = network_or_404(node, network)
    return receipt_out(node.speaking_as(caller.key).request_membership(row.network, note.note))


@router.post("/{network}/leave", response_model=ReceiptOut, responses=errors(401, 403, 404, 422))
async def leave(request: Request, caller: Acting, network: str, note: NoteIn) -> ReceiptOut:
    """Leave the network; what one is owed then follows the charter's rule for leavers."""
    node = node_of(request)
    row = network_or_404(node, network)
    return receipt_out(node.speaking_as(caller.key).leave(row.network, note=note.note))


@router.post("/{network}/members/{member}/approve", response_model=ReceiptOut,
             responses=errors(401, 403, 404, 422))
async def approve(request: Request, caller: Acting, network: str, member: str, note: NoteIn) -> ReceiptOut:
    """Admit someone who asked to join (holders of the network's approver role)."""
    node = node_of(request)
    row = network_or_404(node, network)
    return receipt_out(node.speaking_as(caller.key).approve(row.network, member, note.note))


@router.post("/{network}/members/{member}/decline", response_model=ReceiptOut,
             responses=errors(401, 403, 404, 422))
async def decline(request: Request, caller: Acting, network: str, member: str, reason: ReasonIn) -> ReceiptOut:
    """Decline a request to join, saying why (holders of the approver role)."""
    node = node_of(request)
    row = network_or_404(node, network)
    return receipt_out(node.speaking_as(caller.key).decline(row.network, member, reason.reason))


@router.post("/{network}/members/{member}/roles", response_model=ReceiptOut, responses=errors(401, 403, 404, 422))
async def grant_role(request: Request, caller: Acting, network: str, member: str, role: RoleIn) -> ReceiptOut:
    """Grant a member one of the charter's roles (custodians)."""
    node = node_of(request)
    row = network_or_404(node, network)
    return receipt_out(node.speaking_as(caller.key).grant_role(row.network, member, role.role))


@router.delete("/{network}/members/{member}/roles/{role}", response_model=ReceiptOut,
               responses=errors(401, 403, 404, 422))
async def revoke_role(request: Request, caller: Acting, network: str, member: str, role: str) -> ReceiptOut:
    """Take a role back from a member (custodians)."""
    node = node_of(request)
    row = network_or_404(node, network)
    return receipt_out(node.speaking_as(caller.key).revoke_role(row.network, member, role))
