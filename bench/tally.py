"""Tally benchmark: closing one proposal of 100,000 ranked ballots over 10 options, by Schulze and
by instant runoff, against a straightforward count of the same ballots in the same run.

The story: an assembly of 100,000 voters ranks 10 options. Opinion falls into a few camps,
each with its own order of preference; each voter starts from their camp's order, swaps a few
neighbouring options, and about half stop ranking before the end. Most weigh 1; some hold a
role weight (2 or 3/2) and some a share from a value equation (in thousandths), so the weights
have a common denominator of 1000. The ballots are the same for a given seed.

- schulze, irv: `multitude.domain.governance.ranked` (identical rankings added up first,
  weights summed as integers over one common denominator);
- reference_schulze: the pairwise matrix counted ballot by ballot and pair by pair in
  Fractions, then the same widest paths;
- reference_irv: every round reads every ballot again and adds Fractions.

Each is run --runs times and the best time is kept; the fast and the reference counts must
agree on the winner. Measures are the entries of MEASURES, each a function of the electorate;
a count added to closing a proposal (delegation's resolution, say) is one more entry, and its
figure appears in the table and as "<name>_s" in the JSON line.

Goal: schulze, irv and closing with delegation each under 2 s. The delegation measure resolves
the whole graph with each member's route (what the explanation of a result shows) before
counting; its reference only adds up weights, so it is the cheaper of the two on random graphs.

    python bench/tally.py [--voters 100000] [--options 10] [--seed 7] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from multitude.domain.governance.delegation import Delegation, resolve
from multitude.domain.governance.ranked import Ballot, instant_runoff, schulze

GOAL_S = 2.0
CAMPS = (40, 30, 20, 10)  # percent of the voters in each camp


@dataclass(frozen=True)
class Electorate:
    """What closing the proposal counts: the options and every ballot cast; and, for closing it
    with liquid delegation, the members (each ballot is member i's), the delegation each member
    set (one edge a member, cycles among them) and who voted directly."""

    options: tuple[str, ...]
    ballots: tuple[Ballot, ...]
    weights: dict[str, Fraction]
    delegations: dict[str, Delegation]
    direct: dict[str, Ballot]


def cast(voters: int, options: int, seed: int) -> Electorate:
    """The ballots of `voters` voters over `options` options, the same for the same seed."""
    rng = random.Random(seed)
    names = tuple(f"option-{number}" for number in range(options))
    camps = []
    for _ in CAMPS:
        order = list(names)
        rng.shuffle(order)
        camps.append(order)
    ballots = []
    for _ in range(voters):
        order = list(rng.choices(camps, weights=CAMPS)[0])
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 5))):
            swap = rng.randrange(options - 1)
            order[swap], order[swap + 1] = order[swap + 1], order[swap]
        length = options if rng.random() < 0.5 else rng.randint(1, options - 1)
        roll = rng.random()
        if roll < 0.85:
            weight = Fraction(1)
        elif roll < 0.95:
            weight = rng.choice((Fraction(2), Fraction(3, 2)))
        else:
            weight = Fraction(rng.randint(1, 2000), 1000)
        ballots.append(Ballot(weight, tuple(order[:length])))
    members = [f"member-{number}" for number in range(voters)]
    # Every member names a delegate (an edge each: chains, and cycles among them); 60% also vote
    # directly, which overrides their own delegation.
    delegations = {member: Delegation(general=members[rng.randrange(voters)]) for member in members}
    delegations = {member: d for member, d in delegations.items() if d.general != member}
    direct = {member: ballot for member, ballot in zip(members, ballots, strict=True) if rng.random() < 0.6}
    weights = {member: ballot.weight for member, ballot in zip(members, ballots, strict=True)}
    return Electorate(names, tuple(ballots), weights, delegations, direct)


def with_delegation(electorate: Electorate) -> str:
    """Close the proposal by Schulze with liquid delegation: resolve who casts whose weight, then
    count each direct voter's ballot with the weight they cast."""
    resolution = resolve(electorate.weights, electorate.delegations, None, electorate.direct)
    ballots = [Ballot(weight, ballot.ranking) for _, ballot, weight in resolution.votes() if weight > 0]
    return schulze(electorate.options, ballots).winner


def reference_delegation(electorate: Electorate) -> str:
    """Delegation as a first implementation writes it: follow each member's chain on its own,
    with a set to notice cycles, then count as above."""
    cast: dict[str, Fraction] = {}
    for member, weight in electorate.weights.items():
        current, seen = member, set()
        while current not in electorate.direct and current not in seen:
            seen.add(current)
            following = electorate.delegations.get(current)
            if following is None or following.general not in electorate.weights:
                break
            current = following.general
        if current in electorate.direct:
            cast[current] = cast.get(current, Fraction(0)) + weight
    ballots = [Ballot(weight, electorate.direct[voter].ranking) for voter, weight in sorted(cast.items())]
    return schulze(electorate.options, ballots).winner


def reference_schulze(electorate: Electorate) -> str:
    """Schulze as a first implementation writes it: every ballot, every pair, in Fractions.

    Returns the winners, separated by spaces (several when tied)."""
    options = electorate.options
    d = {a: {b: Fraction(0) for b in options} for a in options}
    for weight, ranking in electorate.ballots:
        rank = {option: place for place, option in enumerate(ranking)}
        unranked = len(options)
        for a in options:
            for b in options:
                if a != b and rank.get(a, unranked) < rank.get(b, unranked):
                    d[a][b] += weight
    p = {a: {b: d[a][b] if d[a][b] > d[b][a] else Fraction(0) for b in options} for a in options}
    for i in options:
        for j in options:
            if j != i:
                for k in options:
                    if k not in (i, j):
                        p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    return " ".join(a for a in options if all(p[a][b] >= p[b][a] for b in options if b != a))


def reference_irv(electorate: Electorate) -> str:
    """Instant runoff as a first implementation writes it: each round reads every ballot again."""
    continuing = set(electorate.options)
    while True:
        tally = dict.fromkeys(sorted(continuing), Fraction(0))
        exhausted = Fraction(0)
        for weight, ranking in electorate.ballots:
            top = next((option for option in ranking if option in continuing), None)
            if top is None:
                exhausted += weight
            else:
                tally[top] += weight
        live = sum(tally.values(), Fraction(0))
        leader = max(tally, key=lambda option: tally[option])
        if 2 * tally[leader] > live or len(continuing) == 1:
            return leader
        continuing.remove(min(tally, key=lambda option: tally[option]))


MEASURES: dict[str, Callable[[Electorate], str]] = {
    "schulze": lambda electorate: schulze(electorate.options, electorate.ballots).winner,
    "irv": lambda electorate: instant_runoff(electorate.options, electorate.ballots).winner,
    "delegation": with_delegation,
    "reference_schulze": reference_schulze,
    "reference_irv": reference_irv,
    "reference_delegation": reference_delegation,
}


def best_of(runs: int, measure: Callable[[Electorate], str], electorate: Electorate) -> tuple[float, str]:
    times, winner = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        winner = measure(electorate)
        times.append(time.perf_counter() - start)
    return min(times), winner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=100_000)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="Runs of each measurement; the best counts.")
    args = parser.parse_args()
    started = time.perf_counter()
    electorate = cast(args.voters, args.options, args.seed)
    distinct = len({ranking for _, ranking in electorate.ballots})
    print(f"setup: {args.voters:,} ballots over {args.options} options ({distinct:,} distinct rankings) in "
          f"{time.perf_counter() - started:.1f} s")
    seconds, winners = {}, {}
    for name, measure in MEASURES.items():
        seconds[name], winners[name] = best_of(args.runs, measure, electorate)
        print(f"{name:>18}: {seconds[name]:8.3f} s   winner {winners[name]}")
    for method in ("schulze", "irv", "delegation"):
        if winners[method] not in winners[f"reference_{method}"].split():
            raise SystemExit(f"{method} and its reference disagree: {winners[method]} against "
                             f"{winners[f'reference_{method}']}")
        ratio = seconds[f"reference_{method}"] / seconds[method]
        against = f"{ratio:.1f}× faster than" if ratio >= 1 else f"{1 / ratio:.1f}× slower than"
        print(f"{method}: {seconds[method]:.3f} s (goal < {GOAL_S} s), {against} the reference")
    print(json.dumps({
        **{f"{name}_s": round(figure, 3) for name, figure in seconds.items()},
        "voters": args.voters,
        "options": args.options,
    }))


if __name__ == "__main__":
    main()
