"""Ranked-choice counting: Schulze, instant runoff and Borda over weighted ranked ballots.

A ballot is an exact weight (a member's say: 1, a role weight, a share from a value equation,
quadratic credits) and a ranking: options in order of preference, most preferred first. A
ranking may stop early; options it leaves out count below every option it ranks and equal to
each other. A ranking names no option twice and nothing that is not an option. Each count
keeps what it was decided on (the pairwise matrices, the rounds, the scores) so that a member
can read why and any node can check it.

Everything is exact and independent of the order the ballots arrive in: identical rankings
are added up first, weights are scaled to one common denominator and summed as integers, and
every result is a Fraction. Which proposal the ballots belong to, who may vote and how
delegated weight reaches a ballot do not belong here.

Ties. Each count breaks its remaining ties with one strict order of the options (earlier is
favoured). A caller may pass it (`tie_break`, e.g. a charter's "the status quo wins ties");
by default it is `drawn_order`: a lot that every node draws the same way from the ballots
themselves, so nobody can steer it by naming an option, and no option id is favoured.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from multitude.ledger import canonical

__all__ = [
    "Ballot",
    "BallotError",
    "BordaResult",
    "IrvResult",
    "IrvRound",
    "SchulzeResult",
    "borda",
    "drawn_order",
    "instant_runoff",
    "schulze",
]

Matrix = tuple[tuple[Fraction, ...], ...]


class Ballot(NamedTuple):
    """One ranked ballot: its weight (> 0, exact) and its options, most preferred first."""

    weight: Fraction | int
    ranking: tuple[str, ...]


class BallotError(ValueError):
    """Ballots or options that cannot be counted; `index` is the offending ballot's position."""

    def __init__(self, message: str, *, index: int | None = None, option: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.option = option


@dataclass(frozen=True)
class _Profile:
    """The ballots added up: each distinct ranking (as option positions) with its weight in units.

    A weight w is `units / scale`; `scale` is the least common denominator of all the weights.
    """

    options: tuple[str, ...]
    rankings: tuple[tuple[tuple[int, ...], int], ...]
    scale: int
    total: int

    def exact(self, units: int) -> Fraction:
        return Fraction(units, self.scale)


def _profile(options: Sequence[str], ballots: Iterable[Ballot]) -> _Profile:
    names = tuple(options)
    if not names:
        raise BallotError("there are no options to rank")
    position: dict[str, int] = {}
    for name in names:
        if not isinstance(name, str) or not name:
            raise BallotError(f"option {name!r} is not a non-empty string", option=str(name))
        if name in position:
            raise BallotError(f"option {name!r} is listed twice", option=name)
        position[name] = len(position)
    listed = ballots if isinstance(ballots, Sequence) else tuple(ballots)
    denominators: set[int] = set()
    for index, (weight, ranking) in enumerate(listed):
        if type(weight) is not int and not isinstance(weight, Fraction):
            raise BallotError(f"the ballot at index {index} has weight {weight!r}; a weight is an exact Fraction "
                              "or int", index=index)
        if weight <= 0:
            raise BallotError(f"the ballot at index {index} has weight {weight}; a weight must be positive",
                              index=index)
        if type(ranking) is not tuple:
            raise BallotError(f"the ballot at index {index} has a ranking that is not a tuple of options",
                              index=index)
        denominators.add(weight.denominator)
    scale = math.lcm(*denominators) if denominators else 1
    per_denominator = {denominator: scale // denominator for denominator in denominators}
    units_of: dict[tuple[str, ...], int] = {}
    first_at: dict[tuple[str, ...], int] = {}
    for index, (weight, ranking) in enumerate(listed):
        units = weight.numerator * per_denominator[weight.denominator]
        if ranking in units_of:
            units_of[ranking] += units
        else:
            units_of[ranking] = units
            first_at[ranking] = index
    rankings = []
    for ranking, units in units_of.items():
        seen: set[int] = set()
        for name in ranking:
            at = position.get(name) if isinstance(name, str) else None
            if at is None:
                raise BallotError(f"the ballot at index {first_at[ranking]} ranks {name!r}, which is not an option",
                                  index=first_at[ranking], option=str(name))
            if at in seen:
                raise BallotError(f"the ballot at index {first_at[ranking]} ranks {name!r} twice",
                                  index=first_at[ranking], option=name)
            seen.add(at)
        rankings.append((tuple(position[name] for name in ranking), units))
    return _Profile(names, tuple(rankings), scale, sum(units_of.values()))


def drawn_order(options: Sequence[str], ballots: Iterable[Ballot]) -> tuple[str, ...]:
    """The default tie-break order: a lot drawn from the ballots, the same on every node.

    seed = SHA-256 of the RFC 8785 JSON of {"options": the option ids sorted, "ballots": a list,
    sorted, of [ranking, "p/q"]}, one entry per distinct ranking (ids most preferred first) with
    p/q its share of the total weight in lowest terms (so scaling every weight, or splitting or
    merging identical ballots, draws the same lot). The options are then ordered by SHA-256 of
    seed + the option id's UTF-8 bytes (ascending; the id breaks a collision); the first option
    is the one a tie favours. No option id is favoured, and nobody can aim at a place in this
    order when naming an option, since the ballots come after. (Where ballots are public before
    the close, a late voter could pick among rankings that change nothing else to steer the
    lot; a charter that cares passes its own `tie_break`.)

    Raises BallotError on ballots that cannot be counted.
    """
    return _drawn_order(_profile(options, ballots))


def _drawn_order(profile: _Profile) -> tuple[str, ...]:
    ids = profile.options
    shares = []
    for ranking, units in profile.rankings:
        share = Fraction(units, profile.total)
        shares.append([[ids[at] for at in ranking], f"{share.numerator}/{share.denominator}"])
    shares.sort()
    seed = hashlib.sha256(canonical({"options": sorted(ids), "ballots": shares})).digest()
    return tuple(sorted(ids, key=lambda name: (hashlib.sha256(seed + name.encode()).digest(), name)))


class _TieBreak:
    """The tie-break order, drawn only when a tie needs it (drawing hashes every distinct ranking)."""

    def __init__(self, profile: _Profile, given: Sequence[str] | None) -> None:
        self._profile = profile
        self.order: tuple[str, ...] | None = None
        if given is not None:
            order = tuple(given)
            if sorted(order) != sorted(profile.options):
                raise BallotError(f"the tie-break order {order!r} is not an order of the options {profile.options!r}")
            self.order = order

    def rank(self) -> dict[int, int]:
        """Option position -> place in the tie-break order (0 is the most favoured)."""
        if self.order is None:
            self.order = _drawn_order(self._profile)
        place = {name: at for at, name in enumerate(self.order)}
        return {at: place[name] for at, name in enumerate(self._profile.options)}


@dataclass(frozen=True)
class SchulzeResult:
    """A Schulze count. Matrices are indexed like `options`: d[i][j] is the weight of the ballots
    that rank options[i] above options[j]; p[i][j] the strength of the strongest path from
    options[i] to options[j] (0 when there is none). options[i] beats options[j] when
    p[i][j] > p[j][i]. `winners` are the options nobody beats (several when tied); `tiers` rank
    the options (each tier is what nobody left beats once the tiers above are taken out);
    `ranking` is the tiers with each tier in tie-break order, so `winner` is ranking[0].
    `tie_break` is the order used, None when no tier held more than one option.
    """

    options: tuple[str, ...]
    total: Fraction
    d: Matrix
    p: Matrix
    winners: tuple[str, ...]
    tiers: tuple[tuple[str, ...], ...]
    ranking: tuple[str, ...]
    tie_break: tuple[str, ...] | None

    @property
    def winner(self) -> str:
        return self.ranking[0]

    def preference(self, above: str, below: str) -> Fraction:
        """d: the weight of the ballots that rank `above` over `below`."""
        return self.d[self.options.index(above)][self.options.index(below)]

    def strength(self, start: str, end: str) -> Fraction:
        """p: the strength of the strongest path from `start` to `end`."""
        return self.p[self.options.index(start)][self.options.index(end)]


def schulze(options: Sequence[str], ballots: Iterable[Ballot], tie_break: Sequence[str] | None = None) -> SchulzeResult:
    """Count by the Schulze method (beatpath), with winning votes as the strength of a link.

    d[a][b] adds the weight of every ballot ranking a above b (a ranked option is above every
    unranked one). The link a→b exists when d[a][b] > d[b][a] and has strength d[a][b]. p[a][b]
    is the strength of the strongest path from a to b, a path being as strong as its weakest
    link (widest paths, Floyd–Warshall). a beats b when p[a][b] > p[b][a]; Schulze proved this
    relation transitive, so the options nobody beats exist and are the winners. Ties among
    them, and within every later tier, go by the tie-break order (see the module).

    Raises BallotError on ballots that cannot be counted.
    """
    profile = _profile(options, ballots)
    n = len(profile.options)
    d = [[0] * n for _ in range(n)]
    everyone = range(n)
    for ranking, units in profile.rankings:
        below = [at for at in everyone if at not in ranking]
        for at in reversed(ranking):
            row = d[at]
            for other in below:
                row[other] += units
            below.append(at)
    p = [[d[a][b] if d[a][b] > d[b][a] else 0 for b in everyone] for a in everyone]
    for via in everyone:
        through = p[via]
        for start in everyone:
            if start == via or not p[start][via]:
                continue
            row, reach = p[start], p[start][via]
            for end in everyone:
                if end != via and end != start:
                    width = reach if reach < through[end] else through[end]
                    if width > row[end]:
                        row[end] = width
    order = _TieBreak(profile, tie_break)
    tiers: list[list[int]] = []
    left = list(everyone)
    while left:
        tier = [a for a in left if not any(p[b][a] > p[a][b] for b in left)]
        if len(tier) > 1:
            place = order.rank()
            tier.sort(key=place.__getitem__)
        tiers.append(tier)
        left = [a for a in left if a not in tier]
    ids = profile.options
    named = tuple(tuple(ids[at] for at in tier) for tier in tiers)
    return SchulzeResult(
        options=ids,
        total=profile.exact(profile.total),
        d=tuple(tuple(profile.exact(units) for units in row) for row in d),
        p=tuple(tuple(profile.exact(units) for units in row) for row in p),
        winners=named[0],
        tiers=named,
        ranking=tuple(name for tier in named for name in tier),
        tie_break=order.order,
    )


@dataclass(frozen=True)
class IrvRound:
    """One round of an instant runoff: every continuing option's votes, and what happened.

    `tallies` holds the continuing options (in the order of the options) with the weight of the
    ballots that rank them highest among those still in the count; `continuing` is their sum and
    `exhausted` the weight of the ballots that rank none of them: together, the total weight.
    Exactly one of `elected` and `eliminated` is set; `tied` lists the options that tied for
    fewest votes when a tie had to be broken; `reason` says why, in words.
    """

    number: int
    tallies: tuple[tuple[str, Fraction], ...]
    continuing: Fraction
    exhausted: Fraction
    elected: str | None
    eliminated: str | None
    tied: tuple[str, ...]
    reason: str

    def votes(self, option: str) -> Fraction:
        """The option's tally in this round (it must be continuing)."""
        return dict(self.tallies)[option]


@dataclass(frozen=True)
class IrvResult:
    """An instant-runoff count: the rounds in order; the last one elects `winner`."""

    options: tuple[str, ...]
    total: Fraction
    rounds: tuple[IrvRound, ...]
    winner: str
    tie_break: tuple[str, ...] | None


def instant_runoff(options: Sequence[str], ballots: Iterable[Ballot],
                   tie_break: Sequence[str] | None = None) -> IrvResult:
    """Count by instant runoff (the alternative vote), one elimination per round.

    Each round gives every ballot to the option it ranks highest among those still in the
    count; a ballot that ranks none of them is exhausted. An option with more than half of the
    continuing (non-exhausted) weight is elected, as is the last option left. Otherwise the
    option with the fewest votes is eliminated. Ties for fewest go back through the earlier
    rounds, latest first: the tied option with fewest votes in the latest round where they
    differ is eliminated (and only those tied there stay in the comparison); options tied in
    every round are decided by the tie-break order, the last in it being eliminated.

    Raises BallotError on ballots that cannot be counted.
    """
    profile = _profile(options, ballots)
    ids, n = profile.options, len(profile.options)
    order = _TieBreak(profile, tie_break)
    piles: list[list[tuple[tuple[int, ...], int, int]]] = [[] for _ in range(n)]
    tally = [0] * n
    exhausted = 0
    for ranking, units in profile.rankings:
        if ranking:
            piles[ranking[0]].append((ranking, units, 0))
            tally[ranking[0]] += units
        else:
            exhausted += units
    alive = [True] * n
    left = list(range(n))
    history: list[list[int]] = []
    rounds: list[IrvRound] = []
    while True:
        history.append(tally[:])
        continuing = profile.total - exhausted
        leader = max(left, key=tally.__getitem__)
        elected: int | None = None
        eliminated: int | None = None
        tied: tuple[str, ...] = ()
        if 2 * tally[leader] > continuing:
            elected = leader
            reason = (f"{ids[leader]!r} has {profile.exact(tally[leader])} of "
                      f"{profile.exact(continuing)} continuing votes, a majority")
        elif len(left) == 1:
            elected = leader
            reason = f"{ids[leader]!r} is the last option left"
        else:
            eliminated, losers, reason = _loser(left, history, order, profile)
            tied = tuple(ids[at] for at in losers) if len(losers) > 1 else ()
        rounds.append(IrvRound(
            number=len(rounds) + 1,
            tallies=tuple((ids[at], profile.exact(tally[at])) for at in left),
            continuing=profile.exact(continuing),
            exhausted=profile.exact(exhausted),
            elected=None if elected is None else ids[elected],
            eliminated=None if eliminated is None else ids[eliminated],
            tied=tied,
            reason=reason,
        ))
        if eliminated is None:
            assert elected is not None
            return IrvResult(ids, profile.exact(profile.total), tuple(rounds), ids[elected], order.order)
        alive[eliminated] = False
        left.remove(eliminated)
        for ranking, units, at in piles[eliminated]:
            at += 1
            while at < len(ranking) and not alive[ranking[at]]:
                at += 1
            if at < len(ranking):
                piles[ranking[at]].append((ranking, units, at))
                tally[ranking[at]] += units
            else:
                exhausted += units
        piles[eliminated] = []
        tally[eliminated] = 0


def _loser(left: list[int], history: list[list[int]], order: _TieBreak,
           profile: _Profile) -> tuple[int, list[int], str]:
    """The option to eliminate, the options tied for fewest votes, and why."""
    ids, now = profile.options, history[-1]
    fewest = min(now[at] for at in left)
    tied = [at for at in left if now[at] == fewest]
    votes = profile.exact(fewest)
    if len(tied) == 1:
        return tied[0], tied, f"{ids[tied[0]]!r} has the fewest votes ({votes})"
    names = _join(ids[at] for at in tied)
    candidates = tied
    for number in range(len(history) - 1, 0, -1):
        then = history[number - 1]
        least = min(then[at] for at in candidates)
        candidates = [at for at in candidates if then[at] == least]
        if len(candidates) == 1:
            loser = candidates[0]
            return loser, tied, (f"{names} tie for fewest votes ({votes}); {ids[loser]!r} had fewest of them in "
                                 f"round {number} ({profile.exact(least)})")
    place = order.rank()
    loser = max(candidates, key=place.__getitem__)
    earlier = " and in every earlier round" if len(history) > 1 else ""
    return loser, tied, (f"{names} tie for fewest votes ({votes}){earlier}; {ids[loser]!r} comes last of "
                         f"{_join(ids[at] for at in candidates)} in the tie-break order")


@dataclass(frozen=True)
class BordaResult:
    """A Borda count: each option's score (in the order of the options), and the ranking by
    score, ties in tie-break order. `winners` are the options with the highest score."""

    options: tuple[str, ...]
    total: Fraction
    scores: tuple[tuple[str, Fraction], ...]
    winners: tuple[str, ...]
    ranking: tuple[str, ...]
    tie_break: tuple[str, ...] | None

    @property
    def winner(self) -> str:
        return self.ranking[0]

    def score(self, option: str) -> Fraction:
        return dict(self.scores)[option]


def borda(options: Sequence[str], ballots: Iterable[Ballot], tie_break: Sequence[str] | None = None) -> BordaResult:
    """Count by Borda: with n options, a ballot gives n-1, n-2, … points to its ranked options in
    order, times its weight.

    A ranking that stops after m options leaves the points n-m-1, …, 1, 0 to the options it
    does not rank, which share them equally: (n-m-1)/2 each (the usual treatment of options a
    voter ranks equal, as averaged ranks). So every ballot hands out n(n-1)/2 points times its
    weight whatever it ranks: ranking fewer options neither strengthens nor weakens a voice,
    and a complete ranking scores exactly as in the classic count. (The "modified Borda count"
    of the de Borda Institute gives m, m-1, …, 1 to the m ranked options and 0 to the others,
    which makes a short ranking count for less; it is not what this counts.)

    Raises BallotError on ballots that cannot be counted.
    """
    profile = _profile(options, ballots)
    ids, n = profile.options, len(profile.options)
    doubled = [0] * n  # twice the points, so that the shared half-points stay integers
    for ranking, units in profile.rankings:
        for step, at in enumerate(ranking):
            doubled[at] += 2 * (n - 1 - step) * units
        share = (n - len(ranking) - 1) * units
        if share:
            for at in range(n):
                if at not in ranking:
                    doubled[at] += share
    best = max(doubled)
    winners = [at for at in range(n) if doubled[at] == best]
    order = _TieBreak(profile, tie_break)
    ranked = sorted(range(n), key=lambda at: -doubled[at])
    if len(set(doubled)) < n:
        place = order.rank()
        ranked.sort(key=lambda at: (-doubled[at], place[at]))
        winners.sort(key=place.__getitem__)
    return BordaResult(
        options=ids,
        total=profile.exact(profile.total),
        scores=tuple((ids[at], Fraction(doubled[at], 2 * profile.scale)) for at in range(n)),
        winners=tuple(ids[at] for at in winners),
        ranking=tuple(ids[at] for at in ranked),
        tie_break=order.order,
    )


def _join(names: Iterable[str]) -> str:
    quoted = [repr(name) for name in names]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1] if len(quoted) > 1 else "".join(quoted)
