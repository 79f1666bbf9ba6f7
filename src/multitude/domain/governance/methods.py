"""Counting the non-ranked decision methods of an assembly: consent, consensus, modified
consensus, majority and supermajority, advice and sense-check, approval, score and dot voting,
the meeting-time poll; and the cost of quadratic votes.

Each method is a pure function of the final ballots (one per member: changing one's vote until
the close is settled upstream), the eligible members with their exact weights, and the
method's parameters, and returns a frozen result: passed or not (or the winner), the exact
tallies, and a statement a member can read. A ballot carries the weight it casts (its
member's own weight unless it says otherwise, e.g. with delegated weight or quadratic votes):
how a charter weighs members is the caller's business. What cannot be counted raises VoteError
(a ValueError) naming it. The rules are written out on each function. Ranked methods live in
ranked.py, delegation in delegation.py; no storage, web or CLI here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Literal, Protocol, TypeVar

from multitude.domain.governance.quorum import (
    Participation,
    Quorum,
    Threshold,
    VoteError,
    at_least,
    exact_weight,
    more_than,
)

__all__ = [
    "ADVICE",
    "ANSWERS",
    "CONSENSUS",
    "CONSENT",
    "MAJORITY",
    "MORE_THAN_HALF",
    "NINE_TENTHS",
    "Advice",
    "ApprovalBallot",
    "Choice",
    "Decision",
    "DotBallot",
    "Eligible",
    "MeetingTime",
    "PositionBallot",
    "ScoreBallot",
    "SlotBallot",
    "advice",
    "approval",
    "consensus",
    "consent",
    "dots",
    "majority",
    "meeting_time",
    "modified_consensus",
    "quadratic_votes",
    "score",
]

# The positions of each method, in the order results list them.
CONSENT = ("consent", "abstain", "object")
CONSENSUS = ("agree", "abstain", "stand aside", "disagree", "block")
MAJORITY = ("for", "against", "abstain")
ADVICE = ("support", "unsure", "concern", "abstain")
ANSWERS = ("yes", "if need be", "no")  # of the meeting-time poll, per slot

MORE_THAN_HALF = more_than(Fraction(1, 2))  # a simple majority
NINE_TENTHS = at_least(Fraction(9, 10))  # the supermajority modified consensus falls back on

Eligible = Mapping[str, Fraction | int]  # the eligible members and their weights


@dataclass(frozen=True)
class PositionBallot:
    """A member's position on a proposal; an objection or a block must say why."""

    member: str
    position: str
    reason: str = ""
    weight: Fraction | int | None = field(default=None, kw_only=True)  # None: the member's own weight


@dataclass(frozen=True)
class ApprovalBallot:
    member: str
    approved: frozenset[str]  # an empty set takes part and approves nothing
    weight: Fraction | int | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "approved", frozenset(self.approved))


@dataclass(frozen=True)
class ScoreBallot:
    member: str
    scores: Mapping[str, int] = field(hash=False)  # an option left out scores 0
    weight: Fraction | int | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scores", MappingProxyType(dict(self.scores)))


@dataclass(frozen=True)
class DotBallot:
    member: str
    dots: Mapping[str, int] = field(hash=False)  # dots per option; several may go on one
    weight: Fraction | int | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dots", MappingProxyType(dict(self.dots)))


@dataclass(frozen=True)
class SlotBallot:
    member: str
    answers: Mapping[str, str] = field(hash=False)  # slot -> one of ANSWERS; a slot left out is "no"
    weight: Fraction | int | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))


@dataclass(frozen=True)
class Decision:
    """The outcome of a binding yes-or-no method. `tallies` and `counts` give the weight and the
    number of ballots of every position (zeros included); `reasons` every reason given, as
    (member, reason) in member order."""

    method: str
    passed: bool
    tallies: Mapping[str, Fraction]
    counts: Mapping[str, int]
    reasons: tuple[tuple[str, str], ...]
    participation: Participation
    quorate: bool
    statement: str


@dataclass(frozen=True)
class Advice:
    """The outcome of advice or a sense-check: tallies only. It has no `passed`, on purpose:
    nothing can be triggered by it."""

    method: str
    tallies: Mapping[str, Fraction]
    counts: Mapping[str, int]
    reasons: tuple[tuple[str, str], ...]
    participation: Participation
    statement: str


@dataclass(frozen=True)
class Choice:
    """The outcome of a choice among options. `leaders` are the options the method's ranking
    cannot tell apart at the top, in the order the options were given (empty when nothing was
    supported); `winner` is the first of them, or None without quorum or support."""

    method: str
    options: tuple[str, ...]
    tallies: Mapping[str, Fraction]
    leaders: tuple[str, ...]
    winner: str | None
    participation: Participation
    quorate: bool
    statement: str


@dataclass(frozen=True)
class MeetingTime(Choice):
    """A meeting-time poll: `tallies` is the weight available per slot (yes + if need be);
    `answers` the weight of each answer per slot."""

    answers: Mapping[str, Mapping[str, Fraction]]


def consent(ballots: Iterable[PositionBallot], eligible: Eligible, quorum: Quorum | None = None) -> Decision:
    """Consent (positions CONSENT): passes unless someone objects, whatever their weight; an
    objection needs a reason. Silence and abstentions consent, so with no ballot at all it
    passes unless a quorum is asked for."""
    count = _positions("consent", CONSENT, ("object",), ballots, eligible)
    objections = count.members["object"]
    why = f"objected to by {count.named(objections)}" if objections else "no objection"
    return _decision(count, not objections, why, quorum)


def consensus(ballots: Iterable[PositionBallot], eligible: Eligible, quorum: Quorum | None = None) -> Decision:
    """Consensus (positions CONSENSUS): passes when nobody blocks and at least one member agrees.
    A block needs a reason and stops it whatever the blocker's weight. Disagreement does not
    stop it: it is recorded as a concern. Abstentions and stand-asides are recorded, never
    counted against."""
    return _consensus("consensus", ballots, eligible, None, quorum)


def modified_consensus(
    ballots: Iterable[PositionBallot],
    eligible: Eligible,
    supermajority: Threshold = NINE_TENTHS,
    quorum: Quorum | None = None,
) -> Decision:
    """Modified consensus (positions CONSENSUS): as consensus while nobody blocks; when blocked,
    it passes if the weight agreeing meets `supermajority` of the votes cast, which are agree,
    disagree and block (abstentions and stand-asides are not in the denominator)."""
    return _consensus("modified consensus", ballots, eligible, supermajority, quorum)


def majority(
    ballots: Iterable[PositionBallot],
    eligible: Eligible,
    threshold: Threshold = MORE_THAN_HALF,
    of: Literal["votes cast", "members"] = "votes cast",
    quorum: Quorum | None = None,
) -> Decision:
    """Majority or supermajority (positions MAJORITY): passes when the weight for meets
    `threshold` of the votes cast (for + against; abstentions are left out) or of the members
    (the eligible members' total weight, so abstaining and not voting count as against)."""
    if of not in ("votes cast", "members"):
        raise VoteError(f"a majority is of 'votes cast' or of 'members', not {of!r}")
    count = _positions("majority", MAJORITY, (), ballots, eligible)
    cast = count.tallies["for"] + count.tallies["against"]
    base = cast if of == "votes cast" else count.participation.eligible_weight
    passed = threshold.met(count.tallies["for"], base)
    if base == 0:
        why = "no votes cast" if of == "votes cast" else "the members have no weight"
    else:
        whole = f"{base} votes cast" if of == "votes cast" else f"the members' weight {base}"
        why = f"for {count.tallies['for']} of {whole}, {threshold} needed"
    return _decision(count, passed, why, quorum)


def advice(
    ballots: Iterable[PositionBallot],
    eligible: Eligible,
    kind: Literal["advice", "sense check"] = "advice",
) -> Advice:
    """Advice or a sense-check (positions ADVICE): non-binding, so it only reports the tallies.
    Reasons are welcome and never required, and no quorum applies."""
    if kind not in ("advice", "sense check"):
        raise VoteError(f"non-binding counts are 'advice' or 'sense check', not {kind!r}")
    count = _positions(kind, ADVICE, (), ballots, eligible)
    statement = f"{kind.capitalize()}, not binding: {_figures(count.tallies)}; {count.participation}."
    reasons = tuple(count.reasons.items())
    return Advice(kind, _frozen(count.tallies), _frozen(count.counts), reasons, count.participation, statement)


def approval(
    options: Sequence[str],
    ballots: Iterable[ApprovalBallot],
    eligible: Eligible,
    quorum: Quorum | None = None,
) -> Choice:
    """Approval voting: each ballot approves any subset of the options with its whole weight; the
    option approved by the most weight wins, a tie going to the option listed first."""
    listed = _options(options)
    counted, taking_part = _counted(ballots, eligible)
    tallies = dict.fromkeys(listed, Fraction(0))
    for ballot, weight in counted:
        for option in ballot.approved:
            tallies[_known(option, tallies, ballot.member)] += weight
    return _choice("approval", listed, tallies, taking_part, quorum)


def score(
    options: Sequence[str],
    ballots: Iterable[ScoreBallot],
    eligible: Eligible,
    highest: int = 5,
    quorum: Quorum | None = None,
) -> Choice:
    """Score voting: each ballot scores options from 0 to `highest` (whole numbers); an option's
    tally is the sum of weight × score, an unscored option scoring 0. Summing over every ballot
    ranks as the mean over all the weight cast would, so an option few people scored highly
    does not beat one many scored well. Most wins, a tie going to the option listed first."""
    if not _whole(highest) or highest < 1:
        raise VoteError(f"the highest score is a whole number >= 1, not {highest!r}")
    listed = _options(options)
    counted, taking_part = _counted(ballots, eligible)
    tallies = dict.fromkeys(listed, Fraction(0))
    for ballot, weight in counted:
        for option, given in ballot.scores.items():
            if not _whole(given) or not 0 <= given <= highest:
                raise VoteError(
                    f"ballot of {ballot.member}: score {given!r} for {option!r} is not a whole number 0 to {highest}"
                )
            tallies[_known(option, tallies, ballot.member)] += weight * given
    return _choice("score", listed, tallies, taking_part, quorum)


def dots(
    options: Sequence[str],
    ballots: Iterable[DotBallot],
    eligible: Eligible,
    per_member: int,
    quorum: Quorum | None = None,
) -> Choice:
    """Dot voting: each ballot places up to `per_member` dots (fewer is fine, more is invalid),
    several on one option if it likes; an option's tally is the sum of weight × dots. Most wins,
    a tie going to the option listed first."""
    if not _whole(per_member) or per_member < 1:
        raise VoteError(f"dots per member is a whole number >= 1, not {per_member!r}")
    listed = _options(options)
    counted, taking_part = _counted(ballots, eligible)
    tallies = dict.fromkeys(listed, Fraction(0))
    for ballot, weight in counted:
        for option, placed in ballot.dots.items():
            if not _whole(placed) or placed < 0:
                raise VoteError(f"ballot of {ballot.member}: {placed!r} dots on {option!r} is not a whole number >= 0")
            tallies[_known(option, tallies, ballot.member)] += weight * placed
        if (placed := sum(ballot.dots.values())) > per_member:
            raise VoteError(f"ballot of {ballot.member}: {placed} dots placed, {per_member} allowed")
    return _choice("dots", listed, tallies, taking_part, quorum)


def meeting_time(
    slots: Sequence[str],
    ballots: Iterable[SlotBallot],
    eligible: Eligible,
    quorum: Quorum | None = None,
) -> MeetingTime:
    """Meeting-time poll: each ballot answers yes, if need be or no per slot (a slot left out is
    no). The best slot has the most weight available (yes + if need be), then the most yes,
    then comes first in the order given. No slot is chosen if nobody is available for any."""
    listed = _options(slots)
    counted, taking_part = _counted(ballots, eligible)
    answers = {slot: dict.fromkeys(ANSWERS, Fraction(0)) for slot in listed}
    for ballot, weight in counted:
        for slot, answer in ballot.answers.items():
            if answer not in ANSWERS:
                raise VoteError(f"ballot of {ballot.member}: {answer!r} for {slot!r} is not {', '.join(ANSWERS)}")
            answers[_known(slot, answers, ballot.member)][answer] += weight
        for slot in listed:
            if slot not in ballot.answers:
                answers[slot]["no"] += weight
    available = {slot: answers[slot]["yes"] + answers[slot]["if need be"] for slot in listed}
    leaders, winner, quorate, statement = _rank(
        listed, available, lambda slot: (available[slot], answers[slot]["yes"]), taking_part, quorum,
        lambda slot: f"{available[slot]} ({answers[slot]['yes']} yes, {answers[slot]['if need be']} if need be)",
    )
    per_slot = MappingProxyType({slot: _frozen(answers[slot]) for slot in listed})
    return MeetingTime("meeting time", listed, _frozen(available), leaders, winner, taking_part, quorate, statement,
                       per_slot)


def quadratic_votes(votes: Mapping[str, int], credits: int) -> dict[str, Fraction]:
    """A member's quadratic votes as exact ballot weights, once their cost is checked.

    Casting v votes (a whole number >= 0) on a proposal or an option costs v² credits, so a
    member spreading votes over several costs the sum of their squares, which must not exceed
    their `credits`. The votes themselves are the weights: 3 votes weigh 3 and cost 9 credits.
    """
    if not _whole(credits) or credits < 0:
        raise VoteError(f"vote credits are a whole number >= 0, not {credits!r}")
    for target, cast in votes.items():
        if not _whole(cast) or cast < 0:
            raise VoteError(f"{cast!r} votes on {target!r} is not a whole number >= 0")
    cost = sum(cast * cast for cast in votes.values())
    if cost > credits:
        raise VoteError(f"{_figures(votes)} votes cost {cost} credits, {credits} available")
    return {target: Fraction(cast) for target, cast in votes.items()}


class _Cast(Protocol):
    @property
    def member(self) -> str: ...
    @property
    def weight(self) -> Fraction | int | None: ...


C = TypeVar("C", bound=_Cast)
V = TypeVar("V")


def _counted(ballots: Iterable[C], eligible: Eligible) -> tuple[list[tuple[C, Fraction]], Participation]:
    """Each ballot with the weight it casts, in member order, after the checks every method makes."""
    weights = {member: exact_weight(weight, f"weight of {member}") for member, weight in eligible.items()}
    counted: dict[str, tuple[C, Fraction]] = {}
    for ballot in ballots:
        if ballot.member not in weights:
            raise VoteError(f"ballot of {ballot.member}: not an eligible member")
        if ballot.member in counted:
            raise VoteError(f"two ballots of {ballot.member}: only the final one is counted, pass that one")
        own = weights[ballot.member]
        weight = own if ballot.weight is None else exact_weight(ballot.weight, f"weight of {ballot.member}'s ballot")
        counted[ballot.member] = (ballot, weight)
    in_order = [counted[member] for member in sorted(counted)]
    taking_part = Participation.of((weight for _, weight in in_order), weights)
    if taking_part.weight > taking_part.eligible_weight:
        raise VoteError(
            f"the ballots cast weight {taking_part.weight}, more than all eligible members have "
            f"({taking_part.eligible_weight})"
        )
    return in_order, taking_part


@dataclass
class _Count:
    method: str
    tallies: dict[str, Fraction]
    counts: dict[str, int]
    members: dict[str, list[str]]  # who took each position, in member order
    reasons: dict[str, str]  # member -> reason, in member order
    participation: Participation

    def named(self, members: list[str]) -> str:
        """Members with their reasons, for a statement: "ben (too loud), cleo (no budget)"."""
        return ", ".join(f"{m} ({self.reasons[m]})" if m in self.reasons else m for m in members)


def _positions(
    method: str, positions: tuple[str, ...], need_reasons: Collection[str], ballots: Iterable[PositionBallot],
    eligible: Eligible,
) -> _Count:
    counted, taking_part = _counted(ballots, eligible)
    count = _Count(method, dict.fromkeys(positions, Fraction(0)), dict.fromkeys(positions, 0),
                   {position: [] for position in positions}, {}, taking_part)
    for ballot, weight in counted:
        if ballot.position not in count.tallies:
            raise VoteError(f"ballot of {ballot.member}: {ballot.position!r} is not a position of {method} "
                            f"({', '.join(positions)})")
        reason = ballot.reason.strip()
        if not reason and ballot.position in need_reasons:
            raise VoteError(f"ballot of {ballot.member}: to {ballot.position} needs a reason")
        count.tallies[ballot.position] += weight
        count.counts[ballot.position] += 1
        count.members[ballot.position].append(ballot.member)
        if reason:
            count.reasons[ballot.member] = reason
    return count


def _consensus(
    method: str, ballots: Iterable[PositionBallot], eligible: Eligible, supermajority: Threshold | None,
    quorum: Quorum | None,
) -> Decision:
    count = _positions(method, CONSENSUS, ("block",), ballots, eligible)
    blocks, tallies = count.members["block"], count.tallies
    if not blocks:
        concern = count.members["disagree"]
        if not count.counts["agree"]:
            return _decision(count, False, "no block, but nobody agreed", quorum)
        recorded = f"; disagreement recorded as concern: {count.named(concern)}" if concern else ""
        return _decision(count, True, f"no block, {count.counts['agree']} agreed{recorded}", quorum)
    blocked = f"blocked by {count.named(blocks)}"
    if supermajority is None:
        return _decision(count, False, blocked, quorum)
    cast = tallies["agree"] + tallies["disagree"] + tallies["block"]
    passed = supermajority.met(tallies["agree"], cast)
    verdict = "meets" if passed else "falls short of"
    why = f"{blocked}; agree {tallies['agree']} of {cast} votes cast {verdict} {supermajority}"
    return _decision(count, passed, why, quorum)


def _decision(count: _Count, passed: bool, why: str, quorum: Quorum | None) -> Decision:
    taking_part = count.participation
    quorate = quorum is None or quorum.met(taking_part)
    if not quorate:
        passed, why = False, f"no quorum ({quorum} needed)"
    statement = f"{'Passes' if passed else 'Fails'}: {why}. {_figures(count.tallies)}; {taking_part}."
    return Decision(count.method, passed, _frozen(count.tallies), _frozen(count.counts), tuple(count.reasons.items()),
                    taking_part, quorate, statement)


def _choice(
    method: str, options: tuple[str, ...], tallies: dict[str, Fraction], taking_part: Participation,
    quorum: Quorum | None,
) -> Choice:
    """The result of a method that ranks options by their tally alone."""
    leaders, winner, quorate, statement = _rank(
        options, tallies, lambda option: (tallies[option],), taking_part, quorum, lambda option: str(tallies[option]),
    )
    return Choice(method, options, _frozen(tallies), leaders, winner, taking_part, quorate, statement)


def _rank(
    options: tuple[str, ...], tallies: Mapping[str, Fraction], rank: Callable[[str], tuple[Fraction, ...]],
    taking_part: Participation, quorum: Quorum | None, figure: Callable[[str], str],
) -> tuple[tuple[str, ...], str | None, bool, str]:
    """(leaders, winner, quorate, statement): the options ranked highest, in the order given,
    unless no option has a tally above 0; the first of them wins if there is a quorum."""
    top = max(rank(option) for option in options)
    leaders = tuple(option for option in options if rank(option) == top) if max(tallies.values()) > 0 else ()
    quorate = quorum is None or quorum.met(taking_part)
    winner = leaders[0] if leaders and quorate else None
    if not quorate:
        why = f"No winner: no quorum ({quorum} needed)"
    elif winner is None:
        why = "No winner: no option has any support"
    else:
        tied = f", tied with {', '.join(leaders[1:])}; the first listed wins" if len(leaders) > 1 else ""
        why = f"{winner} wins with {figure(winner)}{tied}"
    return leaders, winner, quorate, f"{why}. {_figures(tallies)}; {taking_part}."


def _options(options: Sequence[str]) -> tuple[str, ...]:
    listed = tuple(options)
    if not listed:
        raise VoteError("a choice needs at least one option")
    if len(set(listed)) < len(listed):
        repeated = sorted({option for option in listed if listed.count(option) > 1})
        raise VoteError(f"options are listed twice: {', '.join(repeated)}")
    return listed


def _known(option: str, options: Collection[str], member: str) -> str:
    if option not in options:
        raise VoteError(f"ballot of {member}: {option!r} is not an option")
    return option


def _whole(number: object) -> bool:
    return isinstance(number, int) and not isinstance(number, bool)


def _figures(tallies: Mapping[str, Fraction | int]) -> str:
    return ", ".join(f"{name} {figure}" for name, figure in tallies.items())


def _frozen(mapping: Mapping[str, V]) -> Mapping[str, V]:
    """A read-only copy: what a result holds cannot be changed by anyone it is handed to."""
    return MappingProxyType(dict(mapping))
