"""Assemblies as the API and the pages show them: a proposal with its versions, comments,
ballot, live tally, delegation routes and outcome, the votes cast, the delegations and spending
decisions of a network. What may come in (a new proposal, a vote…) is in views.proposing.

Nothing here decides or counts: the node signs, domain.governance rules and counts. What this
module decides is what a caller may *see*: while a proposal is open under a charter that hides
the tally, its figures, participation, routes and others' votes are left out, and it says so.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from fractions import Fraction
from math import isqrt
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel

from multitude.api.context import insider, node_of
from multitude.api.hosting import Caller
from multitude.api.paging import Page, page_of
from multitude.api.problems import NotFound
from multitude.domain import Rejected, speaks_for
from multitude.domain.governance import methods
from multitude.domain.governance.actions import describe
from multitude.domain.governance.assembly import DecisionRule
from multitude.domain.governance.bodies import Action
from multitude.domain.governance.count import Count
from multitude.domain.governance.rows import DelegationRow, ProposalRow, VoteRow
from multitude.domain.governance.rules import assembly_of
from multitude.domain.rules import is_member
from multitude.domain.state import NetworkRow, under
from multitude.errors import NodeError, Refused
from multitude.ledger import Event
from multitude.ledger.event import from_stored
from multitude.node import Node

__all__ = [
    "NEEDS_REASON",
    "POSITIONS",
    "BallotShape",
    "DelegationOut",
    "ProposalDetail",
    "ProposalStatus",
    "ProposalSummary",
    "SpendingOut",
    "VoteOut",
    "VotePage",
    "delegations_out",
    "proposal_detail",
    "proposal_insider",
    "proposal_summaries",
    "spendings_out",
    "votes_page",
]

ProposalStatus = Literal["open", "withdrawn", "closed"]

# The positions of each method that takes one, in the order results list them, and those that
# must say why (the domain refuses them without a reason).
POSITIONS: dict[str, tuple[str, ...]] = {
    "consent": methods.CONSENT, "consensus": methods.CONSENSUS, "modified_consensus": methods.CONSENSUS,
    "majority": methods.MAJORITY, "advice": methods.ADVICE, "sense_check": methods.ADVICE,
}
NEEDS_REASON: dict[str, tuple[str, ...]] = {"consent": ("object",), "consensus": ("block",),
                                            "modified_consensus": ("block",)}
_READS = {**dict.fromkeys(POSITIONS, "position"), "approval": "approve", "budget": "approve", "score": "scores",
          "dots": "dots", "instant_runoff": "ranking", "schulze": "ranking", "borda": "ranking",
          "meeting_time": "answers"}
HIGHEST_SCORE = 5


# -- what goes out -------------------------------------------------------------------------
class PersonOut(BaseModel):
    agent: str
    name: str


class ProposalSummary(BaseModel):
    proposal: str
    network: str
    title: str
    method: str
    topic: str  # "" for none
    status: str  # open | withdrawn | closed
    author: str
    author_name: str
    opened: str
    closes: str
    version: int
    votes: int | None  # ballots cast so far; None while the charter hides the tally
    passed: bool | None  # once closed, for a binding method
    result: list[str]  # once closed: the winner(s), or the projects funded
    statement: str  # once closed or withdrawn


class FigureOut(BaseModel):
    label: str
    value: str  # exact: "3", "7/2"


class ParticipationOut(BaseModel):
    members: int
    weight: str
    eligible_members: int
    eligible_weight: str


class TallyOut(BaseModel):
    """The count: what a close now would find while open; as the close recorded it once closed."""

    statement: str
    passed: bool | None
    result: list[str]
    figures: list[FigureOut]  # what the chart shows, in the method's order
    participation: ParticipationOut
    voters: int
    digest: str  # of the votes counted
    note: str  # why these figures may not be the recorded outcome's, or ""


class RouteOut(BaseModel):
    """Where a member's weight went through delegation."""

    member: str
    member_name: str
    path: list[str]  # names, from the member to where the weight ended
    agents: list[str]  # the same path as keys
    voter: str | None  # who cast it, None when nobody did
    voter_name: str | None
    stop: str | None  # no vote | cycle | delegate not eligible


class ActionOut(BaseModel):
    kind: str
    words: str
    fields: dict[str, Any]


class ProjectOut(BaseModel):
    id: str
    title: str
    cost: str


class VersionOut(BaseModel):
    version: int
    title: str
    text: str
    note: str
    time: str
    event: str


class CommentOut(BaseModel):
    comment: str
    author: str
    author_name: str
    text: str
    time: str


class VoteOut(BaseModel):
    voter: str
    voter_name: str
    ballot: dict[str, Any]
    reason: str
    time: str
    event: str
    weight: str | None  # what the ballot carries with delegated weight (not with quadratic credits)


class VotePage(Page[VoteOut]):
    hidden: bool  # True: the charter hides the votes until the proposal closes; only one's own is listed


class EffectOut(BaseModel):
    kind: str
    effect: str  # applied, recorded, … or "not applied: why"


class OutcomeOut(BaseModel):
    status: str  # closed | withdrawn
    passed: bool | None
    result: list[str]
    statement: str
    effects: list[EffectOut]
    closed: str  # the closing event, "" when withdrawn
    closed_at: str
    closed_by: PersonOut | None
    note: str  # what the closer said with the outcome, or ""


class BallotShape(BaseModel):
    """What a vote on this proposal gives: the ballot part its method `reads`, and its choices."""

    reads: str  # position | approve | scores | dots | ranking | answers
    positions: list[str]
    needs_reason: list[str]  # positions that must say why
    options: list[str]  # options, slots, or budget project ids
    highest_score: int | None
    dots: int | None
    quadratic_credits: int | None  # credits to spend on votes (v votes cost v²), when the charter weighs so
    max_votes: int | None


class ProposalDetail(ProposalSummary):
    network_name: str
    text: str
    rule: str | None  # the decision rule in words, for a binding method
    rule_detail: dict[str, Any] | None
    options: list[str]
    dots: int | None
    projects: list[ProjectOut]
    budget: str | None
    currency: str | None
    min_spend: str | None
    max_spend: str | None
    actions: list[ActionOut]
    weights: str  # member | role | share | quadratic
    tally_mode: str  # live | hidden
    ballot: BallotShape
    versions: list[VersionOut]
    comments: list[CommentOut]
    tally: TallyOut | None
    tally_hidden: bool
    tally_note: str  # why there is no tally, or ""
    routes: list[RouteOut]
    my_vote: VoteOut | None
    my_delegate: PersonOut | None  # whom my weight goes to on this proposal when I do not vote
    delegated_to_me: list[PersonOut]
    outcome: OutcomeOut | None
    closers: list[PersonOut]  # who may close it once its time is up
    may_vote: bool
    may_close: bool
    may_amend: bool
    may_withdraw: bool


class DelegationOut(BaseModel):
    member: str
    member_name: str
    topic: str  # "" for every proposal
    delegate: str
    delegate_name: str
    event: str


class SpendingOut(BaseModel):
    spending: str
    proposal: str
    proposal_title: str
    amount: str
    currency: str
    purpose: str
    payee: str
    payee_name: str
    event: str


# -- reading and writing ---------------------------------------------------------------------
def proposal_insider(request: Request, caller: Caller, ref: str) -> tuple[Node, ProposalRow, NetworkRow, str]:
    """The node, the proposal, its network and the caller's agent, when the caller may see the
    network's proposals (404 for no such proposal, 403 for an outsider)."""
    node = node_of(request)
    try:
        row = node.proposal(ref)
    except NodeError as error:
        raise NotFound(str(error)) from None
    node, network, agent = insider(request, caller, row.network, "proposals")
    return node, row, network, agent


def _passed(row: ProposalRow) -> bool | None:
    return None if not row.passed else row.passed == "yes"


def _vote_counts(node: Node, proposals: Sequence[ProposalRow]) -> Counter[str]:
    votes = node.projector.state.votes
    return Counter({row.proposal: sum(1 for _ in under(votes, row.proposal)) for row in proposals})


def _summary(node: Node, row: ProposalRow, votes: int | None) -> ProposalSummary:
    return ProposalSummary(
        proposal=row.proposal, network=row.network, title=row.title, method=row.method, topic=row.topic,
        status=row.status, author=row.author, author_name=node.name_of(row.author), opened=row.opened,
        closes=row.closes, version=row.version, votes=None if node.tally_hidden(row) else votes,
        passed=_passed(row), result=json.loads(row.result), statement=row.statement)


def proposal_summaries(node: Node, network: str, status: str | None = None) -> list[ProposalSummary]:
    """A network's proposals: the open ones first, closing soonest first; then the others,
    newest first."""
    rows = node.proposals(network, status)
    ordered = sorted((row for row in rows if row.status == "open"), key=lambda row: (row.closes, row.proposal))
    ordered += [row for row in rows if row.status != "open"]
    counts = _vote_counts(node, ordered)
    return [_summary(node, row, counts[row.proposal]) for row in ordered]


def _exact(value: Fraction) -> str:
    return str(value)


def _tally(count: Count, note: str = "") -> TallyOut:
    taking_part = count.participation
    return TallyOut(
        statement=count.statement, passed=count.passed, result=list(count.result),
        figures=[FigureOut(label=label, value=_exact(value)) for label, value in count.figures.items()],
        participation=ParticipationOut(members=taking_part.members, weight=_exact(taking_part.weight),
                                       eligible_members=taking_part.eligible_members,
                                       eligible_weight=_exact(taking_part.eligible_weight)),
        voters=count.voters, digest=count.digest, note=note)


def _routes(node: Node, count: Count) -> list[RouteOut]:
    resolution = count.resolution
    routes = []
    for member, route in sorted(resolution.routes.items(), key=lambda item: (node.name_of(item[0]), item[0])):
        if route.delegate is None:
            continue
        path = list(resolution.path(member))
        routes.append(RouteOut(member=member, member_name=node.name_of(member), path=[node.name_of(a) for a in path],
                               agents=path, voter=route.voter,
                               voter_name=node.name_of(route.voter) if route.voter else None,
                               stop=str(route.stop) if route.stop else None))
    return routes


def _vote_out(node: Node, vote: VoteRow, count: Count | None) -> VoteOut:
    cast = count.resolution.cast.get(vote.voter) if count is not None else None
    return VoteOut(voter=vote.voter, voter_name=node.name_of(vote.voter), ballot=json.loads(vote.ballot),
                   reason=vote.reason, time=vote.time, event=vote.event,
                   weight=_exact(cast) if cast is not None else None)


def _agent_of(node: Node, author: str) -> str:
    """The agent an event's author key spoke for (its own key, or the agent of a linked device)."""
    try:
        return speaks_for(node.projector.state, author)
    except Rejected:  # a device unlinked since: it spoke for its agent then
        device = node.projector.state.devices.get((author,))
        return device.agent if device else author


def _closing(node: Node, row: ProposalRow) -> Event | None:
    found = node.store.events_by_id([row.closed]) if row.closed else []
    return from_stored(found[0].id, found[0].payload, found[0].sig) if found else None


def _count(node: Node, row: ProposalRow) -> tuple[Count | None, str]:
    """The live count the caller may see on an open proposal, or why there is none."""
    if node.tally_hidden(row):
        return None, "The charter keeps the tally hidden until the proposal closes."
    if row.status == "withdrawn":
        return None, "Withdrawn: nothing is counted."
    if row.status == "closed":
        return None, ""
    try:
        return node.tally(row.proposal), ""
    except Refused as error:
        return None, f"The votes cannot be counted: {error}"


def _recorded(row: ProposalRow) -> TallyOut:
    """The count of a closed proposal, as its close recorded it."""
    record = json.loads(row.record)
    return TallyOut(statement=row.statement, passed=_passed(row), result=json.loads(row.result),
                    figures=[FigureOut(label=label, value=value) for label, value in record["figures"]],
                    participation=ParticipationOut(**record["participation"]), voters=record["voters"],
                    digest=record["digest"], note="")


def _ballot_shape(node: Node, row: ProposalRow, setup: Mapping[str, Any]) -> BallotShape:
    assembly = assembly_of(node.projector.state.networks[(row.network,)])
    quadratic = assembly.weights == "quadratic"
    options = [p["id"] for p in setup.get("projects", ())] if row.method == "budget" else list(setup.get("options", ()))
    return BallotShape(reads=_READS[row.method], positions=list(POSITIONS.get(row.method, ())),
                       needs_reason=list(NEEDS_REASON.get(row.method, ())), options=options,
                       highest_score=HIGHEST_SCORE if row.method == "score" else None, dots=setup.get("dots"),
                       quadratic_credits=assembly.credits if quadratic else None,
                       max_votes=isqrt(assembly.credits) if quadratic else None)


def _actions(node: Node, row: ProposalRow) -> list[ActionOut]:
    found = []
    for stored in json.loads(row.actions):
        action = Action.model_validate(stored)
        names = {ref: node.name_of(ref) for ref in (action.member, action.payee, action.network) if ref}
        found.append(ActionOut(kind=action.kind, words=describe(action, names), fields=stored))
    return found


def _delegate_of(delegations: Sequence[DelegationRow], member: str, topic: str) -> str | None:
    """The delegate in force for `member` on a proposal of `topic`: the topic's, else the general one."""
    mine = {row.topic: row.delegate for row in delegations if row.member == member}
    return mine.get(topic) if topic and topic in mine else mine.get("")


def _outcome(node: Node, row: ProposalRow) -> OutcomeOut | None:
    if row.status == "open":
        return None
    effects = [EffectOut(kind=kind, effect=effect) for kind, effect in json.loads(row.effects)]
    closing = _closing(node, row)
    closer = _agent_of(node, closing.author) if closing else None
    return OutcomeOut(status=row.status, passed=_passed(row), result=json.loads(row.result), statement=row.statement,
                      effects=effects, closed=row.closed, closed_at=closing.time if closing else "",
                      closed_by=PersonOut(agent=closer, name=node.name_of(closer)) if closer else None,
                      note=str(closing.body.get("note", "")) if closing else "")


def proposal_detail(node: Node, row: ProposalRow, agent: str) -> ProposalDetail:
    """Everything about a proposal, as `agent` may see it."""
    state = node.projector.state
    network = state.networks[(row.network,)]
    assembly = assembly_of(network)
    setup: dict[str, Any] = json.loads(row.setup)
    count, tally_note = _count(node, row)
    tally = _recorded(row) if row.status == "closed" else _tally(count) if count is not None else None
    votes = node.votes(row.proposal)
    mine = next((vote for vote in votes if vote.voter == agent), None)
    delegations = node.delegations(row.network)
    delegate = _delegate_of(delegations, agent, row.topic)
    members = {delegation.member for delegation in delegations}
    to_me = sorted((m for m in members if m != agent and _delegate_of(delegations, m, row.topic) == agent),
                   key=lambda m: (node.name_of(m), m))
    now = node.signing_time()
    is_open = row.status == "open"
    closers = node.closers(row.proposal)
    hidden = node.tally_hidden(row)
    return ProposalDetail(
        **_summary(node, row, len(votes)).model_dump(), network_name=network.name, text=row.text,
        rule=DecisionRule.model_validate_json(row.rule).describe() if row.rule else None,
        rule_detail=json.loads(row.rule) if row.rule else None, options=list(setup.get("options", ())),
        dots=setup.get("dots"), projects=[ProjectOut(**p) for p in setup.get("projects", ())],
        budget=setup.get("budget"), currency=setup.get("currency"), min_spend=setup.get("min_spend"),
        max_spend=setup.get("max_spend"), actions=_actions(node, row), weights=assembly.weights,
        tally_mode=assembly.tally, ballot=_ballot_shape(node, row, setup),
        versions=[VersionOut(version=v.version, title=v.title, text=v.text, note=v.note, time=v.time, event=v.event)
                  for v in node.proposal_versions(row.proposal)],
        comments=[CommentOut(comment=c.comment, author=c.author, author_name=node.name_of(c.author), text=c.text,
                             time=c.time) for c in node.comments(row.proposal)],
        tally=tally, tally_hidden=hidden,
        tally_note=tally_note, routes=_routes(node, count) if count is not None else [],
        my_vote=_vote_out(node, mine, count) if mine else None,
        my_delegate=PersonOut(agent=delegate, name=node.name_of(delegate)) if delegate else None,
        delegated_to_me=[PersonOut(agent=m, name=node.name_of(m)) for m in to_me], outcome=_outcome(node, row),
        closers=[PersonOut(agent=a, name=node.name_of(a)) for a in closers],
        may_vote=is_open and now <= row.closes and is_member(state, row.network, agent),
        may_close=is_open and now >= row.closes and agent in closers,
        may_amend=is_open and now <= row.closes and agent == row.author,
        may_withdraw=is_open and agent == row.author)


def votes_page(node: Node, row: ProposalRow, agent: str, limit: int, offset: int) -> VotePage:
    """The votes in force, by voter name; only the caller's own while the charter hides them."""
    hidden = node.tally_hidden(row)
    votes = [vote for vote in node.votes(row.proposal) if not hidden or vote.voter == agent]
    count, _ = _count(node, row)
    ordered = sorted(votes, key=lambda vote: (node.name_of(vote.voter), vote.voter))
    window = page_of(ordered, limit, offset)
    return VotePage(items=[_vote_out(node, vote, count) for vote in window.items], total=window.total, limit=limit,
                    offset=offset, next_offset=window.next_offset, hidden=hidden)


def delegations_out(node: Node, network: str) -> list[DelegationOut]:
    """Every delegation in force in the network, by member name, general one first."""
    rows = sorted(node.delegations(network), key=lambda row: (node.name_of(row.member), row.member, row.topic))
    return [DelegationOut(member=row.member, member_name=node.name_of(row.member), topic=row.topic,
                          delegate=row.delegate, delegate_name=node.name_of(row.delegate), event=row.event)
            for row in rows]


def spendings_out(node: Node, network: str) -> list[SpendingOut]:
    """The spending decisions passed proposals recorded, in the order of their closes' ids."""
    titles = {row.proposal: row.title for row in node.proposals(network)}
    return [SpendingOut(spending=row.spending, proposal=row.proposal, proposal_title=titles.get(row.proposal, ""),
                        amount=row.amount, currency=row.currency, purpose=row.purpose, payee=row.payee,
                        payee_name=node.name_of(row.payee) if row.payee else "", event=row.event)
            for row in node.spendings(network)]
