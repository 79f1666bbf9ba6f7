"""Counting a proposal from the state: who may vote and with what weight, whose ballot carries
whose weight through delegation, and the outcome by the proposal's method.

The same count serves the live tally while a proposal is open, the closer computing the
outcome, and the fold checking a close: it depends on the state alone, so anyone recounts it
from the log and gets the same result.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import isqrt
from typing import Any

from multitude.domain.accounting.distribution import DistributionError
from multitude.domain.accounting.shares import exact_shares
from multitude.domain.governance import methods, ranked
from multitude.domain.governance.assembly import BINDING, NON_BINDING, Assembly, DecisionRule
from multitude.domain.governance.budget import Approval, BudgetError, Project, allocate
from multitude.domain.governance.delegation import Resolution, follow
from multitude.domain.governance.quorum import Participation, Quorum, VoteError, at_least, exact_sum
from multitude.domain.governance.rows import ProposalRow, VoteRow
from multitude.domain.state import MembershipRow, State, under

__all__ = [
    "METHODS",
    "Count",
    "CountError",
    "Delegates",
    "count",
    "delegate_in_force",
    "eligible_weights",
    "labels_of",
    "votes_digest",
]


class CountError(ValueError):
    """Ballots the method cannot count; the message says which and why."""


@dataclass(frozen=True)
class Count:
    """A proposal's outcome as it stands.

    `passed` is True/False for a binding method, None otherwise; `result` the winner(s) or the
    projects a budget funds; `figures` what a chart of the result shows (label → exact weight);
    `digest` that of the votes counted; `routes` where each eligible member's weight went.
    """

    passed: bool | None
    result: tuple[str, ...]
    statement: str
    figures: Mapping[str, Fraction]
    digest: str
    voters: int
    participation: Participation
    resolution: Resolution[Any]
    detail: Any = field(default=None, compare=False)


def votes_digest(votes: Iterable[VoteRow]) -> str:
    """The digest of a set of votes: SHA-256 of "voter TAB vote-event LF" in voter order."""
    lines = sorted(f"{vote.voter}\t{vote.event}\n" for vote in votes)  # a voter's key starts their line
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def labels_of(state: State, agents: Iterable[str]) -> dict[str, str]:
    """A readable, unique label per agent for statements: their name, with the start of their key
    when two share a name."""
    names = {agent: (row.name if (row := state.agents.get((agent,))) else agent[:12]) for agent in agents}
    seen: dict[str, int] = {}
    for name in names.values():
        seen[name] = seen.get(name, 0) + 1
    return {agent: name if seen[name] == 1 else f"{name} ({agent[:8]})" for agent, name in names.items()}


def weighing(proposal: ProposalRow) -> Assembly:
    """How the proposal's votes weigh: the charter's weights, role weights and credits as they were
    when it opened (kept with it, so no later amendment changes a vote already under way)."""
    return Assembly.model_validate(json.loads(proposal.setup)["weighing"])


def eligible_weights(state: State, network: str, assembly: Assembly, day: str,
                     deadline: str | None = None) -> dict[str, Fraction]:
    """Every member (person or organisation) of the network with the weight `assembly` gives them;
    with a `deadline`, only those who were already members then (who joins later cannot vote, so
    does not count either)."""
    members = sorted(row.member for row in under(state.memberships, network) if _eligible(row, deadline))
    if assembly.weights == "member":
        return dict.fromkeys(members, Fraction(1))
    if assembly.weights == "quadratic":  # the most votes a member's credits can buy
        return dict.fromkeys(members, Fraction(isqrt(assembly.credits)))
    if assembly.weights == "share":
        shares = exact_shares(state, network, day)
        return {member: shares.get(member, Fraction(0)) for member in members}
    held: dict[str, int] = {}
    eligible = set(members)
    for row in under(state.roles, network):
        if row.member in eligible:
            weight = assembly.role_weights.get(row.role, 1)
            held[row.member] = max(held.get(row.member, weight), weight)
    fractions = {weight: Fraction(weight) for weight in {1, *held.values()}}  # one Fraction per weight
    one = fractions[1]
    return {member: fractions[held[member]] if member in held else one for member in members}


def _eligible(membership: MembershipRow, deadline: str | None) -> bool:
    """Whether a membership gives a vote: a person or organisation who is a member, and was one
    already at the deadline (when there is one)."""
    return membership.status == "member" and membership.kind == "agent" and (
        deadline is None or membership.since <= deadline)


def delegate_in_force(state: State, proposal: ProposalRow, member: str) -> str | None:
    """Whom `member`'s weight goes to on `proposal` if they do not vote, as the count would follow
    it now: their delegate for its topic (else their general one), when that delegate may vote on
    it; None when they have none, when it is void, or where votes are quadratic credits (which
    are never delegated)."""
    if weighing(proposal).weights == "quadratic":
        return None
    delegate = Delegates(state, proposal.network, proposal.topic or None).get(member)
    membership = state.memberships.get((proposal.network, delegate)) if delegate else None
    return delegate if membership is not None and _eligible(membership, proposal.closes) else None


class Delegates(Mapping[str, str]):
    """Each member's one delegate in force in `network` for a proposal of `topic` (None: no
    topic): the topic's own delegate, else the general one. Looked up when asked, since a count
    asks only for the members who did not vote."""

    __slots__ = ("_network", "_table", "_topic")

    def __init__(self, state: State, network: str, topic: str | None) -> None:
        self._table = state.delegations
        self._network = network
        self._topic = topic

    def get(self, member: str, default: str | None = None) -> str | None:  # type: ignore[override]
        if self._topic:
            row = self._table.get((self._network, member, self._topic))
            if row is not None:
                return row.delegate
        row = self._table.get((self._network, member, ""))
        return default if row is None else row.delegate

    def __getitem__(self, member: str) -> str:
        delegate = self.get(member)
        if delegate is None:
            raise KeyError(member)
        return delegate

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(row.member for row in under(self._table, self._network)
                                  if not row.topic or row.topic == self._topic))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def count(state: State, proposal: ProposalRow, day: str) -> Count:
    """Count `proposal` as the state stands: the members of its network who were members at its
    deadline, weighed as when it opened (by the shares of `day`, when weights are shares). Ballots
    are counted by agent key; names appear only in the statement."""
    assembly = weighing(proposal)
    try:
        weights = eligible_weights(state, proposal.network, assembly, day, proposal.closes)
    except DistributionError as error:  # weights by share need an equation that can split
        raise CountError(f"the members' shares cannot be computed: {error}") from None
    votes = {}
    parsed: dict[str, Any] = {}  # most ballots repeat one another: parse each text once (nothing mutates them)
    ballots = {}
    for row in under(state.votes, proposal.proposal):
        votes[row.voter] = row
        ballot = parsed.get(row.ballot)
        if ballot is None:
            ballot = parsed[row.ballot] = json.loads(row.ballot)
        ballots[row.voter] = ballot
    quadratic = assembly.weights == "quadratic"
    hops: Mapping[str, str] = {} if quadratic else Delegates(state, proposal.network, proposal.topic or None)
    resolution = follow(weights, hops, ballots)
    most = isqrt(assembly.credits)
    cast = []
    for voter, ballot, weight in resolution.votes():
        if quadratic:
            weight = Fraction(min(most, 1 if ballot.get("votes") is None else ballot["votes"]))
        cast.append((voter, ballot, votes[voter].reason, weight))
    taking_part = resolution.cast_weight if not quadratic else exact_sum(weight for *_, weight in cast)
    participation = Participation(len(cast), taking_part, len(weights), resolution.total_weight)
    try:
        passed, result, statement, figures, detail = METHODS[proposal.method](
            proposal, cast, weights, _rule(proposal), participation)
    except (VoteError, ranked.BallotError, BudgetError) as error:
        raise CountError(_named(state, str(error))) from None
    statement = _named(state, statement)
    return Count(passed, result, statement, figures, votes_digest(votes.values()), len(cast), participation,
                 resolution, detail)


_KEY = re.compile(r"\b[0-9a-f]{64}\b")


def _named(state: State, text: str) -> str:
    """`text` with every agent key in it replaced by the agent's label."""
    labels = labels_of(state, set(_KEY.findall(text)))
    return _KEY.sub(lambda found: labels[found[0]], text)


def _rule(proposal: ProposalRow) -> DecisionRule | None:
    return DecisionRule.model_validate_json(proposal.rule) if proposal.rule else None


Cast = list[tuple[str, dict[str, Any], str, Fraction]]  # (voter label, ballot, reason, weight)
Outcome = tuple[bool | None, tuple[str, ...], str, Mapping[str, Fraction], Any]


def _setup(proposal: ProposalRow) -> dict[str, Any]:
    setup: dict[str, Any] = json.loads(proposal.setup)
    return setup


def _positions(cast: Cast) -> list[methods.PositionBallot]:
    return [methods.PositionBallot(voter, ballot.get("position") or "", reason, weight=weight)
            for voter, ballot, reason, weight in cast]


def _decision(proposal: ProposalRow, cast: Cast, eligible: dict[str, Fraction], rule: DecisionRule | None,
              participation: Participation) -> Outcome:
    rule = rule or DecisionRule(method=proposal.method)  # type: ignore[arg-type]
    quorum: Quorum | None = rule.quorum.quorum() if rule.quorum else None
    ballots = _positions(cast)
    decision: methods.Decision
    if rule.method == "consent":
        decision = methods.consent(ballots, eligible, quorum)
    elif rule.method == "consensus":
        decision = methods.consensus(ballots, eligible, quorum)
    elif rule.method == "modified_consensus":
        decision = methods.modified_consensus(ballots, eligible, at_least(Fraction(rule.supermajority)),
                                              quorum)
    else:
        decision = methods.majority(ballots, eligible, rule.threshold_of(),
                                    "votes cast" if rule.of == "votes_cast" else "members", quorum)
    return decision.passed, (), decision.statement, dict(decision.tallies), decision


def _advice(proposal: ProposalRow, cast: Cast, eligible: dict[str, Fraction], rule: DecisionRule | None,
            participation: Participation) -> Outcome:
    result = methods.advice(_positions(cast), eligible, "advice" if proposal.method == "advice" else "sense check")
    return None, (), result.statement, dict(result.tallies), result


def _choice(proposal: ProposalRow, cast: Cast, eligible: dict[str, Fraction], rule: DecisionRule | None,
            participation: Participation) -> Outcome:
    options = tuple(_setup(proposal)["options"])
    result: methods.Choice
    if proposal.method == "approval":
        result = methods.approval(options, [methods.ApprovalBallot(v, frozenset(b.get("approve", ())), weight=w)
                                            for v, b, _, w in cast], eligible)
    elif proposal.method == "score":
        result = methods.score(options, [methods.ScoreBallot(v, b.get("scores", {}), weight=w)
                                         for v, b, _, w in cast], eligible)
    elif proposal.method == "dots":
        result = methods.dots(options, [methods.DotBallot(v, b.get("dots", {}), weight=w) for v, b, _, w in cast],
                              eligible, _setup(proposal)["dots"])
    else:
        result = methods.meeting_time(options, [methods.SlotBallot(v, b.get("answers", {}), weight=w)
                                                for v, b, _, w in cast], eligible)
    winners = (result.winner,) if result.winner else ()
    return None, winners, result.statement, dict(result.tallies), result


def _ranked(proposal: ProposalRow, cast: Cast, eligible: dict[str, Fraction], rule: DecisionRule | None,
            participation: Participation) -> Outcome:
    """Schulze, instant runoff or Borda; a tie goes to the option listed first, as in every method."""
    options = tuple(_setup(proposal)["options"])
    # Ranked methods add ballots up linearly, so identical ballots of one weight are counted as
    # one ballot of their total weight. Ballots parsed from one text are one object, and voters
    # share a few weight objects: both are grouped by identity (`cast` holds them meanwhile).
    alike: dict[tuple[int, int], list[Any]] = {}
    for _, ballot, _, weight in cast:
        if weight:
            group = alike.get((id(ballot), id(weight)))
            if group is None:
                alike[(id(ballot), id(weight))] = [ballot, weight, 1]
            else:
                group[2] += 1
    ballots = [ranked.Ballot(weight * times if times > 1 else weight, tuple(ballot.get("ranking", ())))
               for ballot, weight, times in alike.values()]
    if not ballots:
        statement = f"No winner: nobody ranked the options. {participation}."
        return None, (), statement, dict.fromkeys(options, Fraction(0)), None
    if proposal.method == "schulze":
        schulze = ranked.schulze(options, ballots, tie_break=options)
        wins = {option: Fraction(sum(1 for other in options if other != option
                                     and schulze.strength(option, other) > schulze.strength(other, option)))
                for option in options}
        order = ", ".join(schulze.ranking)
        statement = f"{schulze.winner} wins by Schulze; ranking {order}. {participation}."
        return None, (schulze.winner,), statement, wins, schulze
    if proposal.method == "borda":
        result = ranked.borda(options, ballots, tie_break=options)
        figures = dict(result.scores)
        scores = "; ".join(f"{option} {score}" for option, score in result.scores)
        return None, (result.winner,), f"{result.winner} wins the Borda count: {scores}. {participation}.", \
            figures, result
    irv = ranked.instant_runoff(options, ballots, tie_break=options)
    rounds = " ".join(f"Round {r.number}: {r.reason}." for r in irv.rounds)
    last = dict(irv.rounds[-1].tallies)
    figures = {option: last.get(option, Fraction(0)) for option in options}
    return None, (irv.winner,), f"{irv.winner} wins by instant runoff. {rounds} {participation}.", figures, irv


def _budget(proposal: ProposalRow, cast: Cast, eligible: dict[str, Fraction], rule: DecisionRule | None,
            participation: Participation) -> Outcome:
    setup = _setup(proposal)
    projects = [Project(p["id"], Decimal(p["cost"])) for p in setup["projects"]]
    known = {p.id for p in projects}
    ballots = []
    for voter, ballot, _, weight in cast:
        unknown = sorted(set(ballot.get("approve", ())) - known)
        if unknown:
            raise VoteError(f"ballot of {voter}: {', '.join(map(repr, unknown))} is not a project of this budget")
        ballots.append(Approval(frozenset(ballot.get("approve", ())), weight))
    allocation = allocate(Decimal(setup["budget"]), projects, ballots,
                          max_spend=Decimal(setup["max_spend"]) if setup.get("max_spend") else None,
                          min_spend=Decimal(setup["min_spend"]) if setup.get("min_spend") else None)
    support = {s.project: s.support for s in allocation.selected} | {s.project: s.support for s in allocation.skipped}
    currency = setup["currency"]
    if allocation.failure:
        return False, (), f"The round fails: {allocation.failure}. {participation}.", support, allocation
    funded = ", ".join(f"{s.project} ({s.cost} {currency})" for s in allocation.selected) or "nothing"
    skipped = "; ".join(f"{s.project}: {s.reason}" for s in allocation.skipped)
    statement = (f"Funded: {funded}; {allocation.spent} of {allocation.budget} {currency} spent, "
                 f"{allocation.unspent} left." + (f" Not funded: {skipped}." if skipped else "") + f" {participation}.")
    return bool(allocation.selected), tuple(s.project for s in allocation.selected), statement, support, allocation


METHODS: dict[str, Callable[[ProposalRow, Cast, dict[str, Fraction], DecisionRule | None, Participation], Outcome]] = {
    **dict.fromkeys(BINDING, _decision),
    **dict.fromkeys(NON_BINDING, _advice),
    **dict.fromkeys(("approval", "score", "dots", "meeting_time"), _choice),
    **dict.fromkeys(("schulze", "instant_runoff", "borda"), _ranked),
    "budget": _budget,
}
