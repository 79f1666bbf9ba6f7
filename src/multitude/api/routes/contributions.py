"""Contributions: logging, listing and reading them, approving, red-flagging and retracting,
the queue of those waiting for my verdict, and a member's summary. Reading them is for the
network's members (and members of networks it belongs to); every change is the node's to refuse."""

from __future__ import annotations

import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from multitude.api.access import network_or_404
from multitude.api.context import Acting, SignedIn, insider, node_of
from multitude.api.paging import Limit, Offset, Page
from multitude.api.routes.responses import ReceiptOut, errors, receipt_out
from multitude.api.views.contributions import (
    Action,
    ContributionDetail,
    ContributionIn,
    ContributionOut,
    MemberSummary,
    NoteIn,
    ReasonIn,
    Status,
    contribution_detail,
    contribution_page,
    contribution_rows,
    log_contribution,
    member_summary,
    queue_rows,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/networks/{network}", tags=["contributions"])

Day = Annotated[datetime.date | None, Query(description="YYYY-MM-DD, inclusive")]


@router.get("/contributions", response_model=Page[ContributionOut], responses=errors(401, 403, 404, 422))
async def list_contributions(
    request: Request, caller: SignedIn, network: str, limit: Limit = 50, offset: Offset = 0,
    status: Status | None = None,
    contributor: Annotated[str | None, Query(min_length=1, max_length=120, description="agent key or name")] = None,
    action: Action | None = None, since: Day = None, until: Day = None,
) -> Page[ContributionOut]:
    """A network's contributions by the day they were given, then id (members only)."""
    node, row, _ = insider(request, caller, network)
    rows = contribution_rows(node, row.network, status=status, contributor=contributor, action=action,
                             since=since, until=until)
    return contribution_page(node, rows, limit, offset)


@router.post("/contributions", status_code=201, response_model=ReceiptOut, responses=errors(401, 403, 404, 422))
async def log(request: Request, caller: Acting, network: str, contribution: ContributionIn) -> ReceiptOut:
    """Log a contribution of mine: `{"action": "work", "hours": "1h30m", "note": "…"}`."""
    node = node_of(request)
    row = network_or_404(node, network)
    return receipt_out(await log_contribution(request, caller, row.network, contribution))


@router.get("/contributions/{contribution}", response_model=ContributionDetail,
            responses=errors(401, 403, 404))
async def get_contribution(request: Request, caller: SignedIn, network: str, contribution: str) -> ContributionDetail:
    """One contribution (by id or id prefix) with who approved or flagged it and why, by name."""
    node, row, _ = insider(request, caller, network)
    return contribution_detail(node, row.network, contribution)


@router.post("/contributions/{contribution}/validate", response_model=ReceiptOut,
             responses=errors(401, 403, 404, 422))
async def validate(request: Request, caller: Acting, network: str, contribution: str, note: NoteIn) -> ReceiptOut:
    """Approve someone else's contribution."""
    node = node_of(request)
    row = network_or_404(node, network)
    return receipt_out(node.speaking_as(caller.key).validate_contribution(row.network, contribution, note.note))


@router.post("/contributions/{contribution}/flag", response_model=ReceiptOut, responses=errors(401, 403, 404, 422))
async def flag(request: Request, caller: Acting, network: str, contribution: str, reason: ReasonIn) -> ReceiptOut:
    """Red-flag a contribution, saying what is wrong: it stops counting while flagged."""
    node = node_of(request)
    row = network_or_404(node, network)
    return receipt_out(node.speaking_as(caller.key).flag_contribution(row.network, contribution, reason.reason))


@router.post("/contributions/{contribution}/retract", response_model=ReceiptOut,
             responses=errors(401, 403, 404, 422))
async def retract(request: Request, caller: Acting, network: str, contribution: str, reason: ReasonIn) -> ReceiptOut:
    """Withdraw a contribution of mine, saying why."""
    node = node_of(request)
    row = network_or_404(node, network)
    return receipt_out(node.speaking_as(caller.key).retract_contribution(row.network, contribution, reason.reason))


@router.get("/queue", response_model=Page[ContributionOut], responses=errors(401, 403, 404, 422))
async def queue(request: Request, caller: SignedIn, network: str, limit: Limit = 50,
                offset: Offset = 0) -> Page[ContributionOut]:
    """Contributions waiting for my verdict: pending, not mine, not judged by me, and only where
    the charter lets me validate; by day, then id."""
    node, row, agent = insider(request, caller, network)
    return contribution_page(node, queue_rows(node, row.network, agent), limit, offset)


@router.get("/members/{member}/summary", response_model=MemberSummary, responses=errors(401, 403, 404))
async def member(request: Request, caller: SignedIn, network: str, member: str) -> MemberSummary:
    """A member (key or name): roles here, contributions by action and by month, payouts received
    here in the order they were recorded, and their latest contributions, newest first."""
    node, row, _ = insider(request, caller, network)
    return member_summary(node, row, member)
