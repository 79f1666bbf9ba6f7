"""Tally benchmark: closing proposals of 100,000 voters on SQLite, by Schulze, by instant runoff
and by Schulze with liquid delegation, against a straightforward count of the same votes in the
same run; and the pure counting functions on the same ballots, against theirs.

The story: an assembly of 100,000 members ranks 10 options. Opinion falls into a few camps,
each with its own order of preference; each voter starts from their camp's order, swaps a few
neighbouring options, and about half stop ranking before the end. Every member delegates their
vote to another member (100,000 edges: chains, and cycles among them); about half of them vote
directly on the proposal that closes with delegation, and 2% of the others delegate in rings of
2 to 4 members, so that some weight ends in a cycle. The ballots are the same for a given seed.

On SQLite (the headline figures): a network of those members (see tally_network.py: signed
events, built once and kept between runs; the set-up is reported apart), with three proposals
open: Schulze and instant runoff, on which every member voted (their delegations are in force
but none is followed, since everyone voted), and Schulze on which half voted and the other half's
weight goes through the delegation graph. Weights come from the charter's roles (10% of the
members weigh 2, 5% weigh 3). Each run opens a node on a fresh copy of the store and measures:

- schulze, irv, delegation: `Node.close_proposal` as the network's facilitator: the count on the
  node's state, the check of the close event against the rules, and its fold (which counts
  again and writes the closed proposal to SQLite in one transaction);
- count_*: `governance.count.count` on the node's state, the count alone (what the live tally
  and each of the close's counts cost);
- reference_*: the outcome as a first implementation computes it from the same state: the
  members and their weights, each ballot parsed, each member's delegation chain followed on
  its own, then every ballot and every pair added in Fractions (Schulze) or every ballot read
  again in each round (instant runoff).

Pure functions (no store; the weights also include value-equation shares in thousandths):
`ranked.schulze`, `ranked.instant_runoff`, `delegation.resolve` + `ranked.schulze`, against the
same references on the ballots alone.

Each is run --runs times and the best time is kept; the fast and the reference counts must
agree on the winner. Goal: each close under 2 s on SQLite at 100,000 voters.

    python bench/tally.py [--voters 100000] [--options 10] [--seed 7] [--runs 3] [--fresh]
                          [--cache DIR] [--profile FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from tally_network import ROLE_WEIGHTS, Network, Story, cached, opened

from multitude.domain.accounting.quantities import day_of
from multitude.domain.governance.count import count
from multitude.domain.governance.delegation import Delegation, resolve
from multitude.domain.governance.ranked import Ballot, instant_runoff, schulze
from multitude.domain.governance.rows import ProposalRow
from multitude.domain.state import State

GOAL_S = 2.0
CAMPS = (40, 30, 20, 10)  # percent of the voters in each camp
DIRECT = 0.5  # share of the members who vote directly when delegation counts
RINGED = 2  # percent of the members who do not vote and delegate in rings (cycles)
ROLES = (("steward", 0.10), ("elder", 0.05))  # share of the members holding each role
CLOSES = ("schulze", "irv", "delegation")


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
    # Every member names another member as delegate (an edge each: chains, and cycles among
    # them); about half also vote directly, which overrides their own delegation.
    delegations = {}
    for number, member in enumerate(members):
        other = rng.randrange(voters - 1)
        delegations[member] = Delegation(general=members[other + (other >= number)])
    direct = {member: ballot for member, ballot in zip(members, ballots, strict=True) if rng.random() < DIRECT}
    # Random edges alone close few cycles that nobody in them votes on; so some of those who do
    # not vote delegate in rings of 2 to 4 instead, and whatever weight reaches a ring is not cast.
    idle = [member for member in members if member not in direct]
    rng.shuffle(idle)
    ringed, at = idle[: len(idle) * RINGED // 100], 0
    while len(ringed) - at >= 2:
        ring = ringed[at: at + min(rng.randint(2, 4), len(ringed) - at)]
        for member, following in zip(ring, ring[1:] + ring[:1], strict=True):
            delegations[member] = Delegation(general=following)
        at += len(ring)
    weights = {member: Fraction(ballot.weight) for member, ballot in zip(members, ballots, strict=True)}
    return Electorate(names, tuple(ballots), weights, delegations, direct)


def story_of(electorate: Electorate, seed: int) -> Story:
    """The network built on SQLite for `electorate`: member i is member-i, with the same ranking,
    delegate and choice to vote directly; roles drawn with their own seed."""
    members = list(electorate.weights)
    index = {member: number for number, member in enumerate(members)}
    rng = random.Random(seed + 1)
    roles = []
    for _ in members:
        roll, role = rng.random(), ""
        for name, share in ROLES:
            if roll < share:
                role = name
                break
            roll -= share
        roles.append(role)
    delegates = []
    for member in members:
        general = electorate.delegations[member].general
        assert general is not None
        delegates.append(index[general])
    return Story(seed, electorate.options, tuple(ballot.ranking for ballot in electorate.ballots),
                 tuple(member in electorate.direct for member in members), tuple(delegates), tuple(roles))


# -- references -----------------------------------------------------------------------------


def reference_schulze(options: Sequence[str], ballots: Sequence[Ballot]) -> str:
    """Schulze as a first implementation writes it: every ballot, every pair, in Fractions.

    Returns the winners, separated by spaces (several when tied)."""
    d = {a: {b: Fraction(0) for b in options} for a in options}
    for weight, ranking in ballots:
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


def reference_irv(options: Sequence[str], ballots: Sequence[Ballot]) -> str:
    """Instant runoff as a first implementation writes it: each round reads every ballot again."""
    continuing = set(options)
    while True:
        tally = dict.fromkeys(sorted(continuing), Fraction(0))
        exhausted = Fraction(0)
        for weight, ranking in ballots:
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


def reference_cast(weights: dict[str, Fraction], delegate: dict[str, str], rankings: dict[str, tuple[str, ...]]
                   ) -> list[Ballot]:
    """Delegation as a first implementation writes it: follow each member's chain on its own,
    with a set to notice cycles; each direct voter's ballot carries what reached them."""
    carried: dict[str, Fraction] = {}
    for member, weight in weights.items():
        current, seen = member, set()
        while current not in rankings and current not in seen:
            seen.add(current)
            following = delegate.get(current)
            if following is None or following not in weights:
                break
            current = following
        if current in rankings:
            carried[current] = carried.get(current, Fraction(0)) + weight
    return [Ballot(weight, rankings[voter]) for voter, weight in sorted(carried.items())]


def reference_close(state: State, proposal: ProposalRow) -> str:
    """A proposal's winner(s) as a first implementation reads them from the node's state."""
    network = proposal.network
    setup = json.loads(proposal.setup)
    role_weights = setup["weighing"].get("role_weights", {})  # the charter's when the proposal opened
    weights: dict[str, Fraction] = {}
    for (net, member), row in state.memberships.items():
        if net == network and row.status == "member" and row.kind == "agent" and row.since <= proposal.closes:
            weights[member] = Fraction(1)
    for net, member, role in state.roles:
        if net == network and member in weights:
            weights[member] = max(weights[member], Fraction(role_weights.get(role, 1)))
    rankings = {voter: tuple(json.loads(row.ballot)["ranking"]) for (voted, voter), row in state.votes.items()
                if voted == proposal.proposal and voter in weights}
    delegate = {member: row.delegate for (net, member, topic), row in state.delegations.items()
                if net == network and topic == ""}
    ballots = reference_cast(weights, delegate, rankings)
    return (reference_schulze if proposal.method == "schulze" else reference_irv)(setup["options"], ballots)


# -- the pure counting functions ------------------------------------------------------------


def with_delegation(electorate: Electorate) -> str:
    """Close the proposal by Schulze with liquid delegation: resolve who casts whose weight, then
    count each direct voter's ballot with the weight they cast."""
    resolution = resolve(electorate.weights, electorate.delegations, None, electorate.direct)
    ballots = [Ballot(weight, ballot.ranking) for _, ballot, weight in resolution.votes() if weight > 0]
    return schulze(electorate.options, ballots).winner


def reference_delegation(electorate: Electorate) -> str:
    delegate = {member: d.general for member, d in electorate.delegations.items() if d.general is not None}
    rankings = {member: ballot.ranking for member, ballot in electorate.direct.items()}
    return reference_schulze(electorate.options, reference_cast(electorate.weights, delegate, rankings))


PURE: dict[str, Callable[[Electorate], str]] = {
    "schulze": lambda electorate: schulze(electorate.options, electorate.ballots).winner,
    "irv": lambda electorate: instant_runoff(electorate.options, electorate.ballots).winner,
    "delegation": with_delegation,
    "reference_schulze": lambda electorate: reference_schulze(electorate.options, electorate.ballots),
    "reference_irv": lambda electorate: reference_irv(electorate.options, electorate.ballots),
    "reference_delegation": reference_delegation,
}


def best_of(runs: int, measure: Callable[[Electorate], str], electorate: Electorate) -> tuple[float, str]:
    times, winner = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        winner = measure(electorate)
        times.append(time.perf_counter() - start)
    return min(times), winner


def _agree(what: str, winner: str, reference: str) -> None:
    if winner not in reference.split():
        raise SystemExit(f"{what} and its reference disagree: {winner} against {reference}")


def _against(fast: float, reference: float) -> str:
    ratio = reference / fast
    return f"{ratio:.1f}× faster than" if ratio >= 1 else f"{1 / ratio:.1f}× slower than"


def measure_pure(electorate: Electorate, runs: int) -> dict[str, float]:
    seconds, winners = {}, {}
    for name, measure in PURE.items():
        seconds[name], winners[name] = best_of(runs, measure, electorate)
        print(f"{name:>22}: {seconds[name]:8.3f} s   winner {winners[name]}")
    for method in CLOSES:
        _agree(f"pure {method}", winners[method], winners[f"reference_{method}"])
    return seconds


# -- closing on SQLite ----------------------------------------------------------------------


def measure_closes(network: Network, runs: int, profile: str | None) -> tuple[dict[str, float], float]:
    """Best times of closing, counting and the reference on copies of `network`; and the best
    time to open a node on the copy (loading its state from SQLite)."""
    best: dict[str, float] = {}
    opening = []
    workdir = Path(tempfile.mkdtemp(prefix="multitude-bench-tally-run-"))
    try:
        for run in range(runs):
            started = time.perf_counter()
            node = opened(network, workdir / "home")
            opening.append(time.perf_counter() - started)
            try:
                profiler = None
                if profile and run == 0:
                    import cProfile

                    profiler = cProfile.Profile()
                for name in CLOSES:
                    proposal = network.proposals[name]
                    if profiler is not None:
                        profiler.enable()
                    started = time.perf_counter()
                    receipt = node.close_proposal(proposal)
                    closed = time.perf_counter() - started
                    if profiler is not None:
                        profiler.disable()
                    if receipt.status != "applied":
                        raise SystemExit(f"closing {name}: {receipt.status}: {receipt.reason}")
                    state = node.projector.state
                    row = state.proposals[(proposal,)]
                    started = time.perf_counter()
                    outcome = count(state, row, day_of(row.closes))
                    counted = time.perf_counter() - started
                    started = time.perf_counter()
                    reference = reference_close(state, row)
                    referenced = time.perf_counter() - started
                    result = json.loads(row.result)
                    if list(outcome.result) != result or len(result) != 1:
                        raise SystemExit(f"closing {name}: the close says {result}, the count {outcome.result}")
                    _agree(f"closing {name}", result[0], reference)
                    for key, figure in ((name, closed), (f"count_{name}", counted),
                                        (f"reference_{name}", referenced)):
                        best[key] = min(best.get(key, figure), figure)
                    if run == 0:
                        print(f"  {name}: {result[0]} wins; {outcome.voters:,} ballots counted "
                              f"({outcome.participation})")
                if profiler is not None and profile:
                    profiler.dump_stats(profile)
                    print(f"  profile of the closes of run 1 written to {profile}")
            finally:
                node.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return best, min(opening)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=100_000)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="Runs of each measurement; the best counts.")
    parser.add_argument("--fresh", action="store_true", help="Build the SQLite network again, not from the cache.")
    parser.add_argument("--cache", type=Path, help="Where built networks are kept (default: the temporary "
                        "directory's multitude-bench-tally).")
    parser.add_argument("--profile", metavar="FILE", help="Write a cProfile of the first run's closes to FILE "
                        "(the profiler slows that run: give --runs 2 or more).")
    args = parser.parse_args()
    if args.voters < 2 or args.options < 2 or args.runs < 1:
        parser.error("--voters and --options must be at least 2, --runs at least 1")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    electorate = cast(args.voters, args.options, args.seed)
    distinct = len({ranking for _, ranking in electorate.ballots})
    print(f"ballots: {args.voters:,} over {args.options} options ({distinct:,} distinct rankings), "
          f"{len(electorate.direct):,} direct voters when delegation counts, in "
          f"{time.perf_counter() - started:.1f} s; load average {load:.2f} on {os.cpu_count()} cores")

    network, built = cached(story_of(electorate, args.seed), args.cache, args.fresh)
    print(f"set-up: {network.setup_s:.1f} s ({'built now' if built else 'built by an earlier run, reused'}) "
          f"in {network.home}")
    print(f"closing on SQLite ({args.runs} runs, each on a fresh copy of the store):")
    store, open_s = measure_closes(network, args.runs, args.profile)
    print(f"  opening a node on the copy (state loaded from SQLite): {open_s:.2f} s")
    print(f"{'':>12}  {'close s':>8}  {'count s':>8}  {'reference s':>11}")
    for name in CLOSES:
        print(f"{name:>12}  {store[name]:8.3f}  {store[f'count_{name}']:8.3f}  {store[f'reference_{name}']:11.3f}"
              f"   goal < {GOAL_S} s: {'met' if store[name] < GOAL_S else 'MISSED'}; "
              f"{_against(store[name], store[f'reference_{name}'])} the reference")

    print("pure counting functions (the same ballots, no store):")
    pure = measure_pure(electorate, args.runs)
    for method in CLOSES:
        print(f"pure {method}: {pure[method]:.3f} s, {_against(pure[method], pure[f'reference_{method}'])} "
              "the reference")
    sys.stdout.flush()
    print(json.dumps({
        **{f"{name}_s": round(figure, 3) for name, figure in store.items()},
        **{f"pure_{name}_s": round(figure, 3) for name, figure in pure.items()},
        "voters": args.voters,
        "options": args.options,
        "direct_voters_delegation": len(electorate.direct),
        "role_weights": ROLE_WEIGHTS,
        "open_s": round(open_s, 3),
        "setup_s": round(network.setup_s, 1),
        "setup_reused": not built,
        "goal_met": all(store[name] < GOAL_S for name in CLOSES),
        "load_before": round(load, 2),
    }))


if __name__ == "__main__":
    main()
