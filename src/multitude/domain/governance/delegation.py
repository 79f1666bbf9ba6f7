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
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Generic, NamedTuple, TypeVar

from multitude.domain.governance.exact import exact

__all__ = ["Delegation", "DelegationError", "Resolution", "Route", "Stop", "delegation_refusal", "follow", "resolve"]

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
    members whose ballot counts for nothing because they are not eligible; `total_weight` and
    `cast_weight` the eligible members' weight and the part of it cast.
    """

    weights: Mapping[str, Fraction]
    ballots: Mapping[str, B]
    cast: Mapping[str, Fraction]
    routes: Mapping[str, Route]
    ignored: frozenset[str]
    total_weight: Fraction
    cast_weight: Fraction

    @property
    def uncast_weight(self) -> Fraction:
        """The weight of every member whose chain cast nothing (each member has one route, so it
        is what the cast weight leaves of the total)."""
        return self.total_weight - self.cast_weight

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


End = tuple[str | None, Stop | None, str]  # (voter, stop, end): a Route without its delegate


class _Routes(Mapping[str, Route]):
    """Each eligible member's Route, made when it is asked for: a close needs only whose ballot
    each weight reached, while a page showing the routes reads them one by one."""

    __slots__ = ("_counted", "_ends", "_followed", "_members")

    def __init__(self, members: Mapping[str, Fraction], ends: Mapping[str, End], followed: Mapping[str, str],
                 counted: Mapping[str, object]) -> None:
        self._members = members
        self._ends = ends
        self._followed = followed
        self._counted = counted

    def __getitem__(self, member: str) -> Route:
        if member in self._counted:
            return Route(None, member, None, member)
        voter, stop, end = self._ends[member]
        return Route(self._followed.get(member), voter, stop, end)

    def __iter__(self) -> Iterator[str]:
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, member: object) -> bool:
        return member in self._members


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
    hops = {}
    for member, delegation in delegations.items():
        target = delegation.delegate_for(topic)
        if target is not None:
            hops[member] = target
    return follow(weights, hops, ballots)


def follow(weights: Mapping[str, Fraction | int], hops: Mapping[str, str], ballots: Mapping[str, B]) -> Resolution[B]:
    """`resolve` with each member's one delegation in force for the proposal already chosen:
    `hops` maps a member to their delegate (a member who delegated to no one is absent)."""
    eligible, distinct = _check_weights(weights)
    ignored = frozenset(ballots.keys() - eligible.keys())
    counted = {member: ballot for member, ballot in ballots.items() if member not in ignored} if ignored \
        else dict(ballots)

    # Where the chain of each eligible member who did not vote ends: every such member walks
    # forward, keeping the unresolved members met on the way (the trail), until the walk meets
    # a direct voter, a resolved member, an end, or itself; then the whole trail shares that end.
    # (A direct voter's chain ends at themselves: those are not stored, since most members vote.)
    walkers = [member for member in eligible if member not in counted]
    ends: dict[str, End] = {}
    followed: dict[str, str] = {}  # the delegate of each walker who has one, kept for the routes
    trail: list[str] = []
    on_trail: dict[str, int] = {}
    for start in walkers:
        if start in ends:
            continue
        trail.clear()
        on_trail.clear()
        member = start
        while True:
            if member in counted:
                known: End = (member, None, member)
                break
            found = ends.get(member)
            if found is not None:  # a cycle member's end is itself, so a chain reaching it ends there too
                known = found
                break
            if member not in eligible:
                known = (None, Stop.NOT_ELIGIBLE, member)
                break
            index = on_trail.get(member)
            if index is not None:
                for looped in trail[index:]:
                    ends[looped] = (None, Stop.CYCLE, looped)
                del trail[index:]
                known = (None, Stop.CYCLE, member)
                break
            target = hops.get(member)
            if target is None:
                known = ends[member] = (None, Stop.NO_VOTE, member)
                break
            followed[member] = target
            on_trail[member] = len(trail)
            trail.append(member)
            member = target
        for passed in trail:
            ends[passed] = known

    # Weights are added up in integers, as units of their least common denominator, and each
    # total made a Fraction once: adding Fractions one by one is what costs. Members share a
    # few weight objects, so each object's units are worked out once and looked up by identity
    # (`eligible` holds every one of them until this returns; `distinct` maps each one's id to it).
    scale = math.lcm(*{weight.denominator for weight in distinct.values()}) if distinct else 1
    units_of = {key: weight.numerator * (scale // weight.denominator) for key, weight in distinct.items()}
    total = sum(units_of[key] * times for key, times in Counter(map(id, eligible.values())).items())
    units = {voter: units_of[id(eligible[voter])] for voter in counted}
    for member in walkers:
        voter = ends[member][0]
        if voter is not None:
            units[voter] += units_of[id(eligible[member])]
    made: dict[int, Fraction] = {}  # most voters cast one of a few totals: make each once
    cast = {}
    for voter, carried in units.items():
        exact_total = made.get(carried)
        if exact_total is None:
            exact_total = made[carried] = Fraction(carried, scale)
        cast[voter] = exact_total
    return Resolution(
        weights=MappingProxyType(eligible),
        ballots=MappingProxyType(counted),
        cast=MappingProxyType(cast),
        routes=_Routes(eligible, ends, followed, counted),
        ignored=ignored,
        total_weight=Fraction(total, scale),
        cast_weight=Fraction(sum(units.values()), scale),
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


def _check_weights(weights: Mapping[str, Fraction | int]) -> tuple[dict[str, Fraction], dict[int, Fraction]]:
    """The weights as Fractions >= 0, and the distinct weight objects among them by identity.
    Members share a few weight objects: each is checked once, and only when one is not already a
    Fraction >= 0 is every member's converted or named."""
    given = dict(weights)  # read once: the ids below are those of the objects kept
    distinct = {id(weight): weight for weight in given.values()}
    for weight in distinct.values():
        try:
            if exact(weight, "a weight", DelegationError) is not weight:
                break
        except DelegationError:
            break
    else:
        return given, distinct  # type: ignore[return-value]  # every weight is a Fraction, checked above
    checked = {member: exact(weight, f"weight of {member}", DelegationError) for member, weight in given.items()}
    return checked, {id(weight): weight for weight in checked.values()}
