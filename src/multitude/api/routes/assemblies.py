"""Assemblies: proposals (opening, reading, voting, commenting, amending, withdrawing, closing),
the votes cast, delegations and the spending decisions passed proposals recorded. Everything
here is for the network's members (and members of networks it belongs to); every change is the
node's to refuse, with the rule's reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from multitude.api.context import Acting, SignedIn, insider
from multitude.api.paging import Limit, Offset, Page, page_of
from multitude.api.routes.responses import ReceiptOut, errors, receipt_out
from multitude.api.views.assemblies import (
    DelegationOut,
    ProposalDetail,
    ProposalStatus,
    ProposalSummary,
    SpendingOut,
    VotePage,
    delegations_out,
    proposal_detail,
    proposal_insider,
    proposal_summaries,
    spendings_out,
    votes_page,
)
from multitude.api.views.proposing import (
    AmendmentIn,
    CloseIn,
    CommentIn,
    DelegationIn,
    ProposalCreated,
    ProposalIn,
    VoteIn,
    WithdrawalIn,
    fields_named,
    open_proposal,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["assemblies"])

ProposalRef = Annotated[str, Path(pattern=r"^[0-9a-f]{6,64}$", description="a proposal's id or id prefix")]


@router.get("/networks/{network}/proposals", response_model=Page[ProposalSummary],
            responses=errors(401, 403, 404, 422))
async def list_proposals(request: Request, caller: SignedIn, network: str, limit: Limit = 50, offset: Offset = 0,
                         status: ProposalStatus | None = None) -> Page[ProposalSummary]:
    """A network's proposals (members only): the open ones first, closing soonest first; then the
    closed and withdrawn ones, newest first."""
    node, row, _ = insider(request, caller, network, "proposals")
    return page_of(proposal_summaries(node, row.network, status), limit, offset)


@router.post("/networks/{network}/proposals", status_code=201, response_model=ProposalCreated,
             responses=errors(401, 403, 404, 422))
async def propose(request: Request, caller: Acting, network: str, proposal: ProposalIn) -> ProposalCreated:
    """Open a proposal: `{"title": "…", "method": "consent", "closes": "+3d"}`, with the options,
    actions, projects or rule its method takes. Its id is the event's."""
    node, row, _ = insider(request, caller, network, "proposals")
    receipt = open_proposal(node.speaking_as(caller.key), row.network, proposal)
    return ProposalCreated(proposal=receipt.event, **receipt_out(receipt).model_dump())


@router.get("/proposals/{proposal}", response_model=ProposalDetail, responses=errors(401, 403, 404, 422))
async def get_proposal(request: Request, caller: SignedIn, proposal: ProposalRef) -> ProposalDetail:
    """A proposal with its text, method and rule, actions in words, versions, comments, what a
    vote gives, the tally (left out, and said so, while the charter hides it), where delegated
    weight went, my vote and delegation, who may close it, and once closed its outcome and effects."""
    node, row, _, agent = proposal_insider(request, caller, proposal)
    return proposal_detail(node, row, agent)


@router.get("/proposals/{proposal}/votes", response_model=VotePage, responses=errors(401, 403, 404, 422))
async def list_votes(request: Request, caller: SignedIn, proposal: ProposalRef, limit: Limit = 50,
                     offset: Offset = 0) -> VotePage:
    """Who voted what, by voter name, with the weight each ballot carries. While the charter
    hides the tally of an open proposal, only my own vote is listed (and `hidden` says so)."""
    node, row, _, agent = proposal_insider(request, caller, proposal)
    return votes_page(node, row, agent, limit, offset)


@router.post("/proposals/{proposal}/votes", status_code=201, response_model=ReceiptOut,
             responses=errors(401, 403, 404, 422))
async def vote(request: Request, caller: Acting, proposal: ProposalRef, ballot: VoteIn) -> ReceiptOut:
    """Vote, or change my vote, while the proposal is open: `{"position": "object", "reason": "…"}`,
    `{"approve": ["a", "b"]}`, `{"ranking": ["b", "a"]}`, … A ballot that does not fit the method
    is refused with the reason and nothing is stored."""
    node, row, _, _ = proposal_insider(request, caller, proposal)
    with fields_named():
        return receipt_out(node.speaking_as(caller.key).vote(
            row.proposal, position=ballot.position, reason=ballot.reason, approve=ballot.approve,
            scores=ballot.scores, dots=ballot.dots, ranking=ballot.ranking, answers=ballot.answers,
            votes=ballot.votes))


@router.post("/proposals/{proposal}/comments", status_code=201, response_model=ReceiptOut,
             responses=errors(401, 403, 404, 422))
async def comment(request: Request, caller: Acting, proposal: ProposalRef, comment: CommentIn) -> ReceiptOut:
    """Say something about a proposal (members)."""
    node, row, _, _ = proposal_insider(request, caller, proposal)
    with fields_named():
        return receipt_out(node.speaking_as(caller.key).comment(row.proposal, comment.text))


@router.post("/proposals/{proposal}/amendments", status_code=201, response_model=ReceiptOut,
             responses=errors(401, 403, 404, 422))
async def amend(request: Request, caller: Acting, proposal: ProposalRef, amendment: AmendmentIn) -> ReceiptOut:
    """Rewrite the title and text of my proposal while it is open; every version is kept."""
    node, row, _, _ = proposal_insider(request, caller, proposal)
    with fields_named():
        return receipt_out(node.speaking_as(caller.key).amend_proposal(
            row.proposal, amendment.title, amendment.text, amendment.note))


@router.post("/proposals/{proposal}/withdrawal", response_model=ReceiptOut, responses=errors(401, 403, 404, 422))
async def withdraw(request: Request, caller: Acting, proposal: ProposalRef, withdrawal: WithdrawalIn) -> ReceiptOut:
    """Take my proposal back before it closes."""
    node, row, _, _ = proposal_insider(request, caller, proposal)
    with fields_named():
        return receipt_out(node.speaking_as(caller.key).withdraw(row.proposal, withdrawal.reason))


@router.post("/proposals/{proposal}/close", response_model=ReceiptOut, responses=errors(401, 403, 404, 422))
async def close(request: Request, caller: Acting, proposal: ProposalRef, close: CloseIn) -> ReceiptOut:
    """Close a proposal whose time is up (a facilitator; the author too when the charter says so):
    the outcome is counted now and, when it passes, its actions take effect."""
    node, row, _, _ = proposal_insider(request, caller, proposal)
    with fields_named():
        return receipt_out(node.speaking_as(caller.key).close_proposal(row.proposal, close.note))


@router.get("/networks/{network}/delegations", response_model=Page[DelegationOut],
            responses=errors(401, 403, 404, 422))
async def list_delegations(request: Request, caller: SignedIn, network: str, limit: Limit = 50,
                           offset: Offset = 0) -> Page[DelegationOut]:
    """Every delegation in force in the network (members only), by member name, the general one
    before those on a topic: delegations are open to the members they concern."""
    node, row, _ = insider(request, caller, network, "delegations")
    return page_of(delegations_out(node, row.network), limit, offset)


@router.put("/networks/{network}/delegations", response_model=ReceiptOut, responses=errors(401, 403, 404, 422))
async def delegate(request: Request, caller: Acting, network: str, delegation: DelegationIn) -> ReceiptOut:
    """Give my vote to another member when I do not vote myself, on every proposal or on one
    topic's; it replaces my delegation of the same scope."""
    node, row, _ = insider(request, caller, network, "delegations")
    with fields_named():
        return receipt_out(node.speaking_as(caller.key).delegate(row.network, delegation.delegate, delegation.topic))


@router.delete("/networks/{network}/delegations", response_model=ReceiptOut, responses=errors(401, 403, 404, 422))
async def revoke_delegation(request: Request, caller: Acting, network: str,
                            topic: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_-]{0,39}$",
                                                               description="the topic's; the general one when not "
                                                               "given")] = None) -> ReceiptOut:
    """Take back my delegation: the general one, or a topic's."""
    node, row, _ = insider(request, caller, network, "delegations")
    with fields_named():
        return receipt_out(node.speaking_as(caller.key).revoke_delegation(row.network, topic))


@router.get("/networks/{network}/spendings", response_model=Page[SpendingOut], responses=errors(401, 403, 404, 422))
async def list_spendings(request: Request, caller: SignedIn, network: str, limit: Limit = 50,
                         offset: Offset = 0) -> Page[SpendingOut]:
    """What passed proposals and budget rounds decided to spend (members only)."""
    node, row, _ = insider(request, caller, network, "spending decisions")
    return page_of(spendings_out(node, row.network), limit, offset)
