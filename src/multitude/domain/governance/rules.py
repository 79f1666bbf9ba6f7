"""Rules of the assembly events: who may open, amend, withdraw, comment on, vote on and close a
proposal, who may delegate to whom, and what a close must match to take effect.

A close carries the digest of the votes it counted and the outcome its closer computed; the fold
recounts at the close's place in the log and rejects a close that differs (a vote that arrived
late from an offline node, a tampered outcome). The facilitator then closes again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from multitude.domain.accounting.quantities import day_of
from multitude.domain.accounting.rules import currency_of
from multitude.domain.governance.actions import apply_action, check_action
from multitude.domain.governance.assembly import BINDING, NON_BINDING, Assembly, DecisionRule, a_method
from multitude.domain.governance.bodies import (
    Action,
    Ballot,
    DelegationRevoked,
    DelegationSet,
    ProposalAmended,
    ProposalClosed,
    ProposalCommented,
    ProposalOpened,
    ProposalWithdrawn,
    VoteCast,
)
from multitude.domain.governance.budget import BudgetError
from multitude.domain.governance.count import METHODS, Count, CountError, count, weighing
from multitude.domain.governance.delegation import delegation_refusal
from multitude.domain.governance.quorum import Participation, VoteError
from multitude.domain.governance.ranked import BallotError
from multitude.domain.governance.rows import (
    CommentRow,
    DelegationRow,
    ProposalRow,
    ProposalVersionRow,
    VoteRow,
)
from multitude.domain.networks.bodies import Charter
from multitude.domain.networks.rules import charter_of
from multitude.domain.rules import Rejected, acting_network, holds, is_member
from multitude.domain.state import NetworkRow, State, under
from multitude.ledger import Event, canonical

__all__ = ["HANDLERS", "assembly_of", "ballot_problem", "closing_body", "may_close", "record_of", "rule_of"]

Handler = Callable[[State, Event, Any, str], None]

# The part of a ballot each method reads.
_READS = {
    **dict.fromkeys((*BINDING, *NON_BINDING), "position"),
    "approval": "approve", "budget": "approve", "score": "scores", "dots": "dots",
    "schulze": "ranking", "instant_runoff": "ranking", "borda": "ranking", "meeting_time": "answers",
}


def _json(value: Any) -> str:
    return canonical(value).decode()


def _member(state: State, net: NetworkRow, actor: str, doing: str) -> None:
    if not is_member(state, net.network, actor):
        raise Rejected(f"only a member of the network may {doing}")


def _proposal(state: State, net: NetworkRow, proposal: str) -> ProposalRow:
    row = state.proposals.get((proposal,))
    if row is None or row.network != net.network:
        raise Rejected(f"proposal {proposal[:12]} is not a proposal of this network")
    return row


def _open(row: ProposalRow) -> None:
    if row.status != "open":
        raise Rejected(f"the proposal is {row.status}")


def assembly_of(net: NetworkRow) -> Assembly:
    return charter_of(net).assembly


def rule_of(assembly: Assembly, body: ProposalOpened) -> DecisionRule | None:
    """The rule a binding proposal is decided by: the charter's for its actions (they must all
    share one), else the one it gives, else the charter's default when that is its method, else
    the method's own defaults. None for a method that decides nothing."""
    if body.method not in BINDING:
        return None
    if body.actions:
        rules = {kind: assembly.rule_for(kind) for kind in dict.fromkeys(a.kind for a in body.actions)}
        first_kind, rule = next(iter(rules.items()))
        for kind, other in rules.items():
            if other != rule:
                raise Rejected(f"the charter decides {first_kind} by {rule.describe()} and {kind} by "
                               f"{other.describe()}: put them to separate proposals")
        if rule.method != body.method:
            raise Rejected(f"the charter decides {first_kind} by {rule.describe()}; "
                           f"open the proposal with the method {rule.method}")
        return rule
    if body.rule is not None:
        return body.rule
    if assembly.default.method == body.method:
        return assembly.default
    return DecisionRule(method=body.method)  # type: ignore[arg-type]


def _budget_fits(charter: Charter, body: ProposalOpened) -> None:
    """A budget's currency is one the network uses, and every amount is in its minor units."""
    currency = currency_of(charter, body.currency or "")
    amounts = [("budget", body.budget), ("min_spend", body.min_spend), ("max_spend", body.max_spend),
               *((f"project {p.id}", p.cost) for p in body.projects)]
    for what, amount in amounts:
        if amount is not None and len(amount.partition(".")[2]) > currency.decimals:
            raise Rejected(f"{what}: {amount} {currency.code} has more than {currency.decimals} decimals")


def proposal_opened(state: State, event: Event, body: ProposalOpened, actor: str) -> None:
    net = acting_network(state, event)
    _member(state, net, actor, "open a proposal")
    if body.closes <= event.time:
        raise Rejected(f"the closing time {body.closes} is not after the opening ({event.time})")
    charter = charter_of(net)
    rule = rule_of(charter.assembly, body)
    for number, action in enumerate(body.actions, 1):
        try:
            check_action(state, net, action)
        except Rejected as error:
            raise Rejected(f"action {number} ({action.kind}): {error}") from None
    for kind in ("adopt_equation", "amend_charter"):
        if sum(1 for action in body.actions if action.kind == kind) > 1:
            raise Rejected(f"a proposal carries at most one {kind} action: the second would replace the first")
    if body.method == "budget":
        _budget_fits(charter, body)
    setup = body.model_dump(mode="json", include={"options", "dots", "projects", "budget", "currency",
                                                   "min_spend", "max_spend"}, exclude_none=True)
    setup["weighing"] = charter.assembly.model_dump(mode="json", include={"weights", "role_weights", "credits"})
    row = ProposalRow(
        event.id, net.network, actor, body.title, body.text, body.method, body.topic or "", body.closes,
        event.time, _json(setup), _json(rule.model_dump(mode="json")) if rule else "",
        _json([a.model_dump(mode="json", exclude_defaults=True) for a in body.actions]), 1, "open", "", "[]",
        "", "[]", "", "", event.id)
    try:  # a proposal that could never be counted (a budget whose spend rules contradict it) is refused now
        METHODS[row.method](row, [], {}, rule, Participation(0, Fraction(0), 0, Fraction(0)))
    except (VoteError, BallotError, BudgetError, CountError) as error:
        raise Rejected(str(error)) from None
    state.proposals[(event.id,)] = row
    state.proposal_versions[(event.id, 1)] = ProposalVersionRow(event.id, 1, body.title, body.text, "", event.time,
                                                                event.id)


def proposal_amended(state: State, event: Event, body: ProposalAmended, actor: str) -> None:
    net = acting_network(state, event)
    row = _proposal(state, net, body.proposal)
    if actor != row.author:
        raise Rejected("only the author may amend a proposal")
    _member(state, net, actor, "amend a proposal")
    _open(row)
    if event.time > row.closes:
        raise Rejected(f"voting ended at {row.closes}; the proposal can no longer be amended")
    version = row.version + 1
    state.proposals[(row.proposal,)] = row._replace(title=body.title, text=body.text, version=version)
    state.proposal_versions[(row.proposal, version)] = ProposalVersionRow(
        row.proposal, version, body.title, body.text, body.note, event.time, event.id)


def proposal_commented(state: State, event: Event, body: ProposalCommented, actor: str) -> None:
    net = acting_network(state, event)
    _member(state, net, actor, "comment on a proposal")
    row = _proposal(state, net, body.proposal)
    state.comments[(row.proposal, event.id)] = CommentRow(row.proposal, event.id, actor, body.text, event.time,
                                                          event.id)


def proposal_withdrawn(state: State, event: Event, body: ProposalWithdrawn, actor: str) -> None:
    net = acting_network(state, event)
    row = _proposal(state, net, body.proposal)
    if actor != row.author:
        raise Rejected("only the author may withdraw a proposal")
    _member(state, net, actor, "withdraw a proposal")
    _open(row)
    if event.time > row.closes:
        raise Rejected(f"voting ended at {row.closes}; the proposal is to be closed, not withdrawn")
    state.proposals[(row.proposal,)] = row._replace(status="withdrawn", statement=f"Withdrawn. {body.reason}".strip())


def ballot_problem(row: ProposalRow, assembly: Assembly, ballot: Ballot, reason: str) -> str | None:
    """Why `ballot` cannot be counted on the proposal `row`, or None: the part its method reads
    must be given (and no other), and the method must accept it."""
    reads = _READS[row.method]
    given = [name for name in ("position", "approve", "scores", "dots", "ranking", "answers")
             if getattr(ballot, name) not in (None, (), {})]
    if reads not in given and reads != "approve":  # approving nothing is a ballot too
        return f"{a_method(row.method)} vote gives its {reads}"
    stray = [name for name in given if name != reads]
    if stray:
        return f"{a_method(row.method)} vote has no {', '.join(stray)}"
    if ballot.votes is not None and assembly.weights != "quadratic":
        return "this network does not vote with quadratic credits; give no votes"
    if ballot.votes is not None and ballot.votes * ballot.votes > assembly.credits:
        return f"{ballot.votes} votes cost {ballot.votes * ballot.votes} credits, {assembly.credits} available"
    rule = DecisionRule.model_validate_json(row.rule) if row.rule else None
    try:  # the method checks it exactly as it will when counting
        METHODS[row.method](row, [("the voter", ballot.model_dump(mode="json"), reason, Fraction(1))],
                            {"the voter": Fraction(1)}, rule, Participation(1, Fraction(1), 1, Fraction(1)))
    except (VoteError, BallotError, CountError, ValueError) as error:
        return str(error).replace("ballot of the voter: ", "").replace("the ballot at index 0 ", "")
    return None


def vote_cast(state: State, event: Event, body: VoteCast, actor: str) -> None:
    net = acting_network(state, event)
    _member(state, net, actor, "vote")
    row = _proposal(state, net, body.proposal)
    _open(row)
    if event.time > row.closes:
        raise Rejected(f"voting ended at {row.closes}")
    problem = ballot_problem(row, weighing(row), body.ballot, body.reason)
    if problem:
        raise Rejected(problem)
    state.votes[(row.proposal, actor)] = VoteRow(
        row.proposal, actor, _json(body.ballot.model_dump(mode="json", exclude_defaults=True)), body.reason,
        event.time, event.id)


def delegation_set(state: State, event: Event, body: DelegationSet, actor: str) -> None:
    net = acting_network(state, event)
    _member(state, net, actor, "delegate their vote")
    # Only the two named matter: judging one delegation must not read every membership.
    members = {agent for agent in (actor, body.delegate)
               if (row := state.memberships.get((net.network, agent))) is not None
               and row.status == "member" and row.kind == "agent"}
    refusal = delegation_refusal(actor, body.delegate, members)
    if refusal:  # keys shortened as everywhere else in the rules' reasons
        raise Rejected(refusal.replace(body.delegate, body.delegate[:12]).replace(actor, actor[:12]))
    topic = body.topic or ""
    state.delegations[(net.network, actor, topic)] = DelegationRow(net.network, actor, topic, body.delegate, event.id)


def delegation_revoked(state: State, event: Event, body: DelegationRevoked, actor: str) -> None:
    net = acting_network(state, event)
    key = (net.network, actor, body.topic or "")
    if key not in state.delegations:
        raise Rejected(f"no delegation {'on ' + body.topic if body.topic else 'in general'} to revoke")
    del state.delegations[key]


def may_close(state: State, row: ProposalRow, assembly: Assembly, agent: str) -> bool:
    """A facilitator closes (a custodian where nobody holds the role); the author too when the
    charter says so."""
    if assembly.closer == "author" and agent == row.author and is_member(state, row.network, agent):
        return True
    if holds(state, row.network, agent, "facilitator"):
        return True
    nobody = not any(held.role == "facilitator" for held in under(state.roles, row.network))
    return nobody and holds(state, row.network, agent, "custodian")


def proposal_closed(state: State, event: Event, body: ProposalClosed, actor: str) -> None:
    net = acting_network(state, event)
    row = _proposal(state, net, body.proposal)
    _open(row)
    assembly = assembly_of(net)
    if not may_close(state, row, assembly, actor):
        who = "a facilitator or the author" if assembly.closer == "author" else "a facilitator"
        raise Rejected(f"only {who} may close the proposal")
    if event.time < row.closes:
        raise Rejected(f"the proposal closes at {row.closes}, not before")
    try:
        outcome = count(state, row, day_of(event.time))
    except CountError as error:
        raise Rejected(f"the votes cannot be counted: {error}") from None
    if outcome.digest != body.votes:
        raise Rejected("the votes counted differ from those the closer saw (a vote arrived late?); close again")
    if (outcome.passed, outcome.result) != (body.passed, body.result):
        raise Rejected(f"the recount gives passed={outcome.passed}, result={list(outcome.result)}, "
                       f"not passed={body.passed}, result={list(body.result)}")
    effects = _effects(state, net, row, outcome.passed, outcome.result, event)
    state.proposals[(row.proposal,)] = state.proposals[(row.proposal,)]._replace(
        status="closed", passed="" if outcome.passed is None else "yes" if outcome.passed else "no",
        result=_json(list(outcome.result)), statement=outcome.statement, effects=_json(effects),
        record=_json(record_of(outcome)), closed=event.id)


def record_of(outcome: Count) -> dict[str, Any]:
    """The count as the close recorded it, exact: what its chart and table show ever after, even
    when members or delegations change later."""
    taking_part = outcome.participation
    return {"figures": [[label, str(value)] for label, value in outcome.figures.items()],
            "participation": {"members": taking_part.members, "weight": str(taking_part.weight),
                              "eligible_members": taking_part.eligible_members,
                              "eligible_weight": str(taking_part.eligible_weight)},
            "voters": outcome.voters, "digest": outcome.digest}


def _effects(state: State, net: NetworkRow, row: ProposalRow, passed: bool | None, result: tuple[str, ...],
             event: Event) -> list[list[str]]:
    """Apply what a passed proposal decided, in order; each effect says what happened."""
    if not passed:
        return []
    if row.method == "budget":
        assembly = assembly_of(net)
        if assembly.reserves("spend"):
            why = f"the charter decides spending by {assembly.rule_for('spend').describe()}; propose it so"
            return [["spend", f"not recorded: {why}"]]
        setup = json.loads(row.setup)
        titles = {p["id"]: p for p in setup["projects"]}
        actions = [Action(kind="spend", amount=titles[p]["cost"], currency=setup["currency"],
                          purpose=titles[p]["title"]) for p in result]
    else:
        actions = [Action.model_validate(a) for a in json.loads(row.actions)]
    effects = []
    for index, action in enumerate(actions):
        try:
            effects.append([action.kind, apply_action(state, net, action, event, row.proposal, index)])
        except Rejected as error:
            effects.append([action.kind, f"not applied: {error}"])
    return effects


HANDLERS: dict[str, Handler] = {
    "proposal.opened": proposal_opened,
    "proposal.amended": proposal_amended,
    "proposal.commented": proposal_commented,
    "proposal.withdrawn": proposal_withdrawn,
    "vote.cast": vote_cast,
    "delegation.set": delegation_set,
    "delegation.revoked": delegation_revoked,
    "proposal.closed": proposal_closed,
}


def closing_body(state: State, proposal: str, time: str, note: str = "") -> dict[str, Any]:
    """The body of a close signed at `time`, with the outcome as the state stands: what a closer
    signs, and what the fold will check. Raises Rejected if the votes cannot be counted."""
    row = state.proposals[(proposal,)]
    try:
        outcome = count(state, row, day_of(time))
    except CountError as error:
        raise Rejected(f"the votes cannot be counted: {error}") from None
    return {"v": 1, "proposal": proposal, "votes": outcome.digest, "passed": outcome.passed,
            "result": list(outcome.result), **({"note": note} if note else {})}
