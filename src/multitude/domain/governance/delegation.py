"""Liquid delegation: whose ballot each member's weight ends up in, for one proposal.

Here live the resolution of a delegation network when a proposal closes and the refusal of
delegations that can never be valid. Resolution is a pure function of the final state at close
(eligible members and their weights, the delegations in force, the proposal's topic, the direct
ballots), so the order in which votes and delegations arrived never matters. How ballots are
counted (decision methods) and how delegations are recorded (events) do not belong here.
Weights are exact Fractions; nothing here is ever a float. The rules are written out for
members in docs/governance.md.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Generic, NamedTuple, TypeVar

from multitude.domain.governance.exact import exact

__all__ = ["Delegation", "DelegationError", "Resolution", "Route", "Stop", "delegation_refusal", "resolve"]

B = TypeVar("B")
_NO_TOPIC: Mapping[str, str] = MappingProxyType({})


class DelegationError(ValueError):
    """Input that cannot be resolved: a weight that is not an exact number >= 0."""


@dataclass(frozen=True)
class Delegation:
    """One member's delegations in force: a general delegate, and delegates for some topics.

    Either may be absent; revoking a delegation removes it (a member with no delegation at all
    is simply absent from the mapping given to `resolve`).
    """

    general: str | None = None
    by_topic: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        # A read-only copy: the caller's dict can change later without changing this delegation.
        object.__setattr__(self, "by_topic", MappingProxyType(dict(self.by_topic)) if self.by_topic else _NO_TOPIC)

    def delegate_for(self, topic: str | None) -> str | None:
        """The one delegate in force for a proposal of `topic`: the topic's own, else the general one."""
        if topic is not None and topic in self.by_topic:
            return self.by_topic[topic]
        return self.general


class Stop(StrEnum):
    """Why a member's weight cast nothing."""

    NO_VOTE = "no vote"  # the chain ended at an eligible member who neither voted nor delegated
    CYCLE = "cycle"  # the chain ran into a cycle of delegations in which nobody voted
    NOT_ELIGIBLE = "delegate not eligible"  # the chain reached someone not eligible on the proposal


class Route(NamedTuple):
    """Where one eligible member's weight went.

    `delegate` is whom this member passed their weight to (None for a direct voter and for a
    member who delegated to no one). `voter` is the direct voter who cast it, or None when
    nothing was cast, and then `stop` says why. `end` is where the chain ended: the voter; the
    member who neither voted nor delegated; the delegate who is not eligible; or, for a cycle,
    the first member of the cycle the chain reached (the member itself when it is in the cycle).
    """

    delegate: str | None
    voter: str | None
    stop: Stop | None
    end: str


@dataclass(frozen=True)
class Resolution(Generic[B]):
    """The delegation network of one proposal, resolved.

    `weights` are the eligible members' weights; `ballots` the direct ballots that count (those
    of eligible members); `cast` the total weight each direct voter casts (their own plus all
    that reaches them, 0 included); `routes` one Route per eligible member; `ignored` the
    members whose ballot counts for nothing because they are not eligible.
    """

    weights: Mapping[str, Fraction]
    ballots: Mapping[str, B]
    cast: Mapping[str, Fraction]
    routes: Mapping[str, Route]
    ignored: frozenset[str]

    @property
    def total_weight(self) -> Fraction:
        return sum(self.weights.values(), Fraction(0))

    @property
    def cast_weight(self) -> Fraction:
        return sum(self.cast.values(), Fraction(0))

    @property
    def uncast_weight(self) -> Fraction:
        """The weight of every member whose chain cast nothing."""
        return sum((self.weights[m] for m, route in self.routes.items() if route.voter is None), Fraction(0))

    def votes(self) -> Iterator[tuple[str, B, Fraction]]:
        """(voter, ballot, weight cast) for each direct voter, in voter order: what a decision method counts."""
        for voter in sorted(self.ballots):
            yield voter, self.ballots[voter], self.cast[voter]

    def path(self, member: str) -> tuple[str, ...]:
        """The members `member`'s weight passed through, from the member to where it ended.

        A direct voter's path is (voter,). A chain that ends in a cycle goes once round it and
        stops at the first member seen twice: a→b→a is ("a", "b", "a"), x→a→b→a is
        ("x", "a", "b", "a"). Raises KeyError if `member` is not eligible.
        """
        route = self.routes[member]
        steps = [member]
        current = member
        while current != route.end:
            current = self._next(current)
            steps.append(current)
        if route.stop is Stop.CYCLE:
            current = self._next(current)
            steps.append(current)
            while current != route.end:
                current = self._next(current)
                steps.append(current)
        return tuple(steps)

    def _next(self, member: str) -> str:
        delegate = self.routes[member].delegate
        assert delegate is not None  # only members who delegated are followed
        return delegate


def resolve(
    weights: Mapping[str, Fraction | int],
    delegations: Mapping[str, Delegation],
    topic: str | None,
    ballots: Mapping[str, B],
) -> Resolution[B]:
    """Resolve who casts each eligible member's weight on a proposal of `topic` (None: no topic).

    The members of `weights` are those eligible on the proposal. A member who voted directly
    casts their own weight and never passes it on. Any other eligible member follows their one
    delegation in force (the topic's, else the general one) and the delegate's, and so on,
    until the chain reaches a direct voter (who casts it), an eligible member who neither voted
    nor delegated (nothing cast), a member who is not eligible (nothing cast: a delegation to
    them is void, and their own delegations are not followed), or a cycle (nothing cast).

    Every eligible member has exactly one route, so no weight is counted twice and
    cast weight + uncast weight == total weight. Runs in time linear in members and delegations.
    Raises DelegationError if a weight is not a Fraction or int >= 0.
    """
    eligible = _check_weights(weights)
    counted = {member: ballot for member, ballot in ballots.items() if member in eligible}
    ignored = frozenset(member for member in ballots if member not in eligible)
    hop: dict[str, str] = {}
    for member in eligible:
        if member in counted:
            continue
        delegation = delegations.get(member)
        target = delegation.delegate_for(topic) if delegation is not None else None
        if target is not None:
            hop[member] = target

    routes: dict[str, Route] = {}
    trail: list[str] = []
    on_trail: dict[str, int] = {}
    for start in eligible:
        if start in routes:
            continue
        # Walk forward from `start`, keeping the unresolved members met on the way (the trail),
        # until the walk meets a resolved member, an end, or itself; then settle the whole trail.
        trail.clear()
        on_trail.clear()
        member = start
        while True:
            known = routes.get(member)
            if known is not None:
                # A cycle member's end is itself, so a chain reaching it ends there too.
                voter, stop, end = known.voter, known.stop, known.end
                break
            if member not in eligible:
                voter, stop, end = None, Stop.NOT_ELIGIBLE, member
                break
            if member in counted:
                routes[member] = Route(None, member, None, member)
                voter, stop, end = member, None, member
                break
            index = on_trail.get(member)
            if index is not None:
                for looped in trail[index:]:
                    routes[looped] = Route(hop[looped], None, Stop.CYCLE, looped)
                del trail[index:]
                voter, stop, end = None, Stop.CYCLE, member
                break
            target = hop.get(member)
            if target is None:
                routes[member] = Route(None, None, Stop.NO_VOTE, member)
                voter, stop, end = None, Stop.NO_VOTE, member
                break
            on_trail[member] = len(trail)
            trail.append(member)
            member = target
        for passed in trail:
            routes[passed] = Route(hop[passed], voter, stop, end)

    # Weights are added up in integers, as units of their least common denominator, and each
    # voter's total made a Fraction once: adding Fractions one by one is what costs.
    factor = {d: 1 for d in {weight.denominator for weight in eligible.values()}}
    scale = math.lcm(*factor) if factor else 1
    factor = {d: scale // d for d in factor}
    units = dict.fromkeys(counted, 0)
    for member, route in routes.items():
        voter = route.voter
        if voter is not None:
            weight = eligible[member]
            units[voter] += weight.numerator * factor[weight.denominator]
    made: dict[int, Fraction] = {}  # most voters cast one of a few totals: make each once
    cast = {}
    for voter, total in units.items():
        carried = made.get(total)
        if carried is None:
            carried = made[total] = Fraction(total, scale)
        cast[voter] = carried
    return Resolution(
        weights=MappingProxyType(eligible),
        ballots=MappingProxyType(counted),
        cast=MappingProxyType(cast),
        routes=MappingProxyType(routes),
        ignored=ignored,
    )


def delegation_refusal(delegator: str, delegate: str, members: Collection[str]) -> str | None:
    """Why `delegator` may not delegate to `delegate` among `members`, or None when they may.

    Refused: delegating to oneself, delegating while not a member, delegating to a non-member.
    A delegation that closes a cycle is not refused: whether a cycle matters depends on who
    votes, and two delegations made on two offline nodes can close one that neither saw.
    """
    if delegator == delegate:
        return "a member cannot delegate to themselves"
    if delegator not in members:
        return f"{delegator} is not a member, so has no vote to delegate"
    if delegate not in members:
        return f"{delegate} is not a member, so cannot receive a delegation"
    return None


def _check_weights(weights: Mapping[str, Fraction | int]) -> dict[str, Fraction]:
    return {member: exact(weight, f"weight of {member}", DelegationError) for member, weight in weights.items()}
