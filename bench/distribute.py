"""Distribution benchmark: one income split over a million contributions, against the bare
SQL aggregate of the same contributions and against a per-contribution Python loop.

The story: a network (Bench) with 10,000 contributors, three levels of member networks
(Workshop ⊃ Team ⊃ Crew, each with its own equation, each paid by its parent's bucket), two
designs whose making processes cite each other (a citation cycle), and an equation of four
buckets (a fund, the working groups, loans repaid first, Slicing Pie for the rest). Networks,
members, resources, processes and equations are signed events folded by the node; the million
contributions are written straight into the projection's contributions table, as the fold
writes them, so that setting up takes seconds rather than an hour of signing.

Each measurement runs in its own process, so peak memory is that of one distribution:
- distribution: `Node.preview_split` of an income of 1,000,000 EUR (the whole split: one tally
  per network, the buckets, the rounding, three levels down), which is what the fold and
  `multitude verify` compute for a distribution event;
- aggregate: `SELECT contributor, SUM(value) … GROUP BY contributor` over the same rows;
- floor: the same sum grouped by holder, which reads the index the distribution's tally reads
  (the least any query grouping these rows by whose they are can cost on this store);
- loop: what a per-contribution tool does: read every contribution, evaluate its rule's
  formula, add up per agent, split (no grouping, no sums in SQL);
- rollup: an income paid for one of the cycle's designs, flowing back through the cycle;
- decay: the distribution again with time decay in the makers' rule (`days_ago`), which must
  group contributions by day as well: the slow path, shown for what it is.

Each is run three times, each time in a fresh process, and the best time is kept (the first
run of a query pays for reading the file into the page cache).

Goal: distribution ≤ 2 × aggregate on SQLite, peak memory < 500 MB.

    python bench/distribute.py [--contributions 1000000] [--agents 10000] [--keep DIR] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

RATIO_GOAL = 2.0
MEMORY_GOAL_MB = 500
INCOME = "1000000"

TOP_EQUATION = """
name = "Bench"
[[bucket]]
name = "fund"
percent = 5
recipient = "network"
[[bucket]]
name = "working groups"
percent = 15
recipient = "{workshop}"
[[bucket]]
name = "loans"
percent = 30
mode = "remaining"
  [[bucket.rule]]
  actions = ["transfer"]
  value = "value"
  claim = "debt"
[[bucket]]
name = "makers"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  actions = ["work", "deliverService"]
  value = "value * 2"
  [[bucket.rule]]
  actions = ["use", "consume", "cite"]
  value = "value"
"""
SUB_EQUATION = """
name = "{name}"
[[bucket]]
name = "inside"
percent = 50
recipient = "{inner}"
[[bucket]]
name = "members"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  value = "{formula}"
"""
LEAF_EQUATION = """
name = "Crew"
[[bucket]]
name = "members"
percent = 100
  [[bucket.rule]]
  value = "hours"
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(home: Path, contributions: int, agents: int, seed: int, db: str | None = None) -> dict[str, str]:
    """Sign the story's events and write the contributions; return the ids the measures need."""
    from multitude.domain.accounting.quantities import PICO, canonical_decimal, split_units
    from multitude.ledger import Keypair
    from multitude.node import Node
    from multitude.projection.tables import STATE_SPECS

    rng = random.Random(seed)
    node = Node.open(home, db)
    node.use_key(Keypair(bytes(32)))
    eur = {"EUR": 2}
    top = node.create_network("Bench", membership="open", currencies=eur)
    workshop = node.create_network("Workshop", currencies=eur)
    team = node.create_network("Team", currencies=eur)
    crew = node.create_network("Crew", currencies=eur)
    node.request_membership(top, on_behalf_of=workshop)
    node.request_membership(workshop, on_behalf_of=team)
    node.request_membership(team, on_behalf_of=crew)
    tools = [node.create_resource(top, f"Tool {n}", "tool", value_per_unit_of_use=str(3 + n), contributed=True)
             for n in range(5)]
    designs = [node.create_resource(top, f"Design {n}", "design") for n in range(2)]
    making = [node.start_process(top, f"Drawing design {n}") for n in range(2)]
    me = node.agent
    for n in range(2):
        node.log_contribution(top, "produce", resource=designs[n], process=making[n])
        node.log_contribution(top, "cite", resource=designs[1 - n], percent="30", process=making[n])
        node.log_contribution(top, "work", hours="10", rate="30", process=making[n])
    node.adopt_equation(crew, LEAF_EQUATION)
    node.adopt_equation(team, SUB_EQUATION.format(name="Team", inner=crew, formula="value"))
    node.adopt_equation(workshop, SUB_EQUATION.format(name="Workshop", inner=team, formula="hours * rate"))
    node.adopt_equation(top, TOP_EQUATION.format(workshop=workshop))

    spec = next(spec for spec in STATE_SPECS if spec.name == "contributions")
    people = [f"{rng.getrandbits(256):064x}" for _ in range(agents)]
    rates = {person: rng.choice(("20", "25", "30", "35", "40")) for person in people}
    networks = [top] * 90 + [workshop] * 5 + [team] * 3 + [crew] * 2
    written = 0
    with node.store.batch():
        while written < contributions:
            rows = []
            for _ in range(min(50_000, contributions - written)):
                network = rng.choice(networks)
                person = rng.choice(people)
                day = f"2026-{rng.randint(5, 10):02d}-{rng.randint(1, 28):02d}"
                roll = rng.random()
                hours, quantity, rate, resource_id, holder, spec_name, per_use = "0", "0", "0", "", person, "", "0"
                if roll < 0.80:
                    action, hours, rate = "work", str(Decimal(rng.randint(1, 32)) / 4), rates[person]
                    value = Decimal(hours) * Decimal(rate)
                elif roll < 0.90:
                    action, hours = "use", str(Decimal(rng.randint(1, 16)) / 4)
                    resource_id = rng.choice(tools)
                    holder = f"resource:{resource_id}"
                    per_use, spec_name = str(3 + tools.index(resource_id)), "tool"
                    value = Decimal(hours) * Decimal(per_use)
                elif roll < 0.95:
                    action, value = "transfer", Decimal(rng.randint(10, 500))
                else:
                    action, quantity = "cite", str(rng.randint(5, 50))
                    resource_id = rng.choice(designs)
                    holder, spec_name = f"resource:{resource_id}", "design"
                    value = Decimal(quantity)
                whole, pico = split_units(value, PICO)
                micro = int(Decimal(hours) * 10**6)
                rows.append((network, f"{rng.getrandbits(256):064x}", person, holder, action, canonical_decimal(hours),
                             quantity, canonical_decimal(value), *divmod(whole, 10**9), pico, micro, rate, "0", "0",
                             per_use, "", spec_name, resource_id or None, None, "", "", day, "validated", 0, 0,
                             "bench"))
            node.store.upsert(spec, rows)
            written += len(rows)
    node.close()
    return {"top": top, "design": designs[0], "me": me, "workshop": workshop, "contributions": str(written)}


def measure(home: Path, what: str, ids: dict[str, str]) -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    from multitude.node import Node

    node = Node.open(home, ids.get("db") or None)
    held = len(node.projector.state.contributions)
    if held < int(ids["contributions"]):
        raise SystemExit(f"the store holds {held} contributions, not {ids['contributions']}: its projection was "
                         "rebuilt from the log (the code changed since it was built); build it again")
    start = time.perf_counter()
    result: dict[str, Any] = {}
    if what == "distribution":
        preview = node.preview_split(ids["top"], INCOME, "EUR")
        result["lines"] = len(preview.split.lines)
        result["total"] = str(sum(line.amount for line in preview.split.lines))
    elif what in ("aggregate", "floor"):
        by = "contributor" if what == "aggregate" else "holder"
        rows = node.store._q(  # type: ignore[attr-defined]
            f"SELECT {by}, SUM(value_high), SUM(value_low), SUM(value_pico) FROM p_contributions "
            f"WHERE network = ? AND status = 'validated' GROUP BY {by}", (ids["top"],))
        result["agents"] = len(rows)
    elif what == "decay":
        decaying = TOP_EQUATION.format(workshop=ids["workshop"]).replace(
            'value = "value * 2"', 'value = "value * 2 * max(0.5, 1 - days_ago / 365)"')
        preview = node.preview_split(ids["top"], INCOME, "EUR", document=decaying)
        result["lines"] = len(preview.split.lines)
    elif what == "loop":
        result["agents"] = _loop(node, ids["top"])
    elif what == "rollup":
        node.use_key(__import__("multitude.ledger", fromlist=["Keypair"]).Keypair(bytes(32)))
        income = node.record_income(ids["top"], "900", "EUR", "sale of the design", resource=ids["design"])
        start = time.perf_counter()
        preview = node.preview_split(ids["top"], "900", "EUR", income=income)
        result["lines"] = len(preview.split.lines)
    result["seconds"] = time.perf_counter() - start
    result["peak_mb"] = _peak_mb()
    node.close()
    return result


def _loop(node: Any, network: str) -> int:
    """The split done one contribution at a time, as a tool without tallies would."""
    from fractions import Fraction

    from multitude.domain.accounting.apportion import apportion
    from multitude.domain.accounting.distribution import equation_in_force
    from multitude.domain.accounting.equation import parse_equation

    equation = parse_equation(equation_in_force(node.projector.state, network).document)
    rules = [(bucket, rule) for bucket in equation.buckets for rule in bucket.rules]
    totals: dict[tuple[str, str], Decimal] = {}
    columns = ("contributor, holder, action, hours, quantity, value, rate, percent, value_per_unit, "
               "value_per_unit_of_use, skill, spec")
    cursor = node.store._stream(  # type: ignore[attr-defined]
        node.store._sql(f"SELECT {columns} FROM p_contributions WHERE network = ? AND status = 'validated'"),
        (network,))
    for row in cursor:
        contributor, holder, action, hours, quantity, value, rate, percent, vpu, vpuu, skill, spec = row
        env = {"action": action, "hours": Decimal(hours), "quantity": Decimal(quantity), "value": Decimal(value),
               "rate": Decimal(rate), "percent": Decimal(percent), "value_per_unit": Decimal(vpu),
               "value_per_unit_of_use": Decimal(vpuu), "skill": skill, "spec": spec,
               "days_ago": Decimal(0)}
        for bucket, rule in rules:
            if rule.filter.actions is None or action in rule.filter.actions:
                key = (bucket.name, holder if not holder.startswith("resource:") else contributor)
                totals[key] = totals.get(key, Decimal(0)) + rule.formula.evaluate(env)  # type: ignore[operator]
    by_bucket: dict[str, dict[str, Fraction]] = {}
    for (bucket_name, agent), value in totals.items():
        by_bucket.setdefault(bucket_name, {})[agent] = Fraction(value)
    agents = 0
    for weights in by_bucket.values():
        agents += len(apportion(Decimal(INCOME), weights, 2))
    return agents


def _child(home: Path, what: str, ids: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--measure", what, "--home", str(home), "--ids", json.dumps(ids)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contributions", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="Runs of each measurement; the best counts.")
    parser.add_argument("--keep", type=Path, help="Build in (or reuse) this folder instead of a temporary one.")
    parser.add_argument("--db", help="A store URL (e.g. postgresql://…) instead of the folder's SQLite file.")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.home, args.measure, json.loads(args.ids))))
        return
    with tempfile.TemporaryDirectory(prefix="multitude-bench-") as scratch:
        home = args.keep or Path(scratch)
        marker = home / "bench-ids.json"
        started = time.perf_counter()
        if marker.exists():
            ids = json.loads(marker.read_text())
        else:
            ids = build(home, args.contributions, args.agents, args.seed, args.db)
            ids["db"] = args.db or ""
            marker.write_text(json.dumps(ids))
        print(f"setup: {args.contributions:,} contributions by {args.agents:,} agents in "
              f"{time.perf_counter() - started:.1f} s ({home})")
        figures: dict[str, Any] = {}
        for what in ("aggregate", "floor", "distribution", "loop", "rollup", "decay"):
            runs = [_child(home, what, ids) for _ in range(args.runs)]
            figures[what] = min(runs, key=lambda run: run["seconds"])
            figures[what]["peak_mb"] = max(run["peak_mb"] for run in runs)
            times = ", ".join(f"{run['seconds']:.2f}" for run in runs)
            best = figures[what]
            print(f"{what:>12}: {best['seconds']:8.3f} s   peak {best['peak_mb']:6.0f} MB   ({times})")
    distribution, aggregate, loop = figures["distribution"], figures["aggregate"], figures["loop"]
    ratio = distribution["seconds"] / aggregate["seconds"]
    floor_ratio = distribution["seconds"] / figures["floor"]["seconds"]
    print(f"distribution / aggregate = {ratio:.2f} (goal ≤ {RATIO_GOAL}); "
          f"loop / distribution = {loop['seconds'] / distribution['seconds']:.1f}× slower; "
          f"peak {distribution['peak_mb']:.0f} MB (goal < {MEMORY_GOAL_MB}); "
          f"{distribution['lines']} payout lines summing to {distribution['total']} EUR; "
          f"distribution / floor = {floor_ratio:.2f}")
    print(json.dumps({
        "distribution_s": round(distribution["seconds"], 3),
        "aggregate_s": round(aggregate["seconds"], 3),
        "ratio_to_aggregate": round(ratio, 2),
        "loop_s": round(loop["seconds"], 3),
        "speedup_vs_loop": round(loop["seconds"] / distribution["seconds"], 1),
        "peak_mb": round(distribution["peak_mb"], 1),
        "rollup_s": round(figures["rollup"]["seconds"], 3),
        "floor_s": round(figures["floor"]["seconds"], 3),
        "ratio_to_floor": round(floor_ratio, 2),
        "decay_s": round(figures["decay"]["seconds"], 3),
        "contributions": args.contributions,
        "agents": args.agents,
    }))


if __name__ == "__main__":
    main()
