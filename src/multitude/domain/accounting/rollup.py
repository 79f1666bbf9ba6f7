"""Rollup: how income paid for a resource, a process or a plan flows back to those who made it.

The graph, for one bucket of an equation:
- a plan passes what reaches it to its processes, in proportion to the value that went in;
- a produced resource passes what reaches it to the processes that produced it, in proportion
  to the quantity each produced; a lent resource to its lender; a bought one to those whose
  money bought it; a resource the network owns keeps it (the network keeps that part);
- a process first passes each citation by percent its share (to the cited design), then
  splits the rest among its inputs in proportion to their value under the bucket's rules: an
  agent's work straight to that agent's claim, the use of a tool, the consumption of a
  material or a citation by value to that resource.
Designs that cite each other make cycles: the graph is solved as the linear system it is (see
`flow`), never by passing value round until it looks small.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from multitude.domain.accounting.bodies import ACTIONS
from multitude.domain.accounting.equation import Bucket, Filter
from multitude.domain.accounting.flow import Edge, FlowError, solve
from multitude.domain.accounting.tally import Group, TallyQuery, tally
from multitude.domain.accounting.valuation import (
    DistributionError,
    columns_for,
    holders,
    role_check,
    value_of,
    worth,
)
from multitude.domain.state import State

__all__ = ["CITATIONS", "Share", "Target", "rollup"]

CITATIONS = -1  # the rule index of what reaches an agent by a citation, or a resource bought or lent outright


@dataclass(frozen=True)
class Target:
    kind: str  # resource | process | plan (then `id` is the plan's name)
    id: str


@dataclass(frozen=True)
class Share:
    """The part of what flowed into the target that reached `agent` under rule `rule`."""

    agent: str
    rule: int
    part: Fraction
    via: str  # the processes and resources it came through, for a person to read
    value: Fraction  # what the agent's inputs to it were valued under the rule


def _claim(rule: int, agent: str) -> str:
    return f"claim:{rule}:{agent}"


@dataclass
class _Inputs:
    """What went into a process (or straight into a plan): citations by percent, and the value
    of each input under the bucket's rules, by where it flows (a claim, or a resource)."""

    cited: dict[str, Fraction]
    valued: dict[str, Fraction]


def rollup(state: State, network: str, bucket: Bucket, target: Target, day: str,
           standing: dict[str, str], record: Callable[[str], None]) -> tuple[list[Share], Fraction]:
    """The shares of the target's value by agent and rule, and the part that belongs to the
    network itself (resources it owns). What reaches a process with no input this bucket
    values, or a resource nobody may be paid for, is in neither: the bucket does not pay it, and
    it passes to the buckets after. `record` is told the graph (every edge and its share), for
    the contributions digest."""
    start = {"process": f"process:{target.id}", "plan": f"plan:{target.id}"}.get(
        target.kind, f"resource:{CITATIONS}:{target.id}")
    cites = any(rule.filter.actions is None or "cite" in rule.filter.actions for rule in bucket.rules)
    inputs: dict[str, _Inputs] = {}
    onward: dict[str, dict[str, Fraction]] = {}  # plans and resources: where what reaches them goes
    todo, seen = [start], {start}
    while todo:
        node = todo.pop()
        if node.startswith("plan:"):
            onward[node] = _plan_edges(state, network, node[len("plan:"):])
            reached = list(onward[node])
        elif node.startswith(("process:", "direct:")):
            inputs[node] = _inputs(state, network, bucket, node, day, standing, cites)
            reached = [*inputs[node].cited, *inputs[node].valued]
        else:
            onward[node] = _resource_edges(state, network, node, standing)
            reached = list(onward[node])
        for found in reached:
            if not found.startswith(("claim:", "owned:")) and found not in seen:
                seen.add(found)
                todo.append(found)
    _cap(bucket, inputs)
    edges = _edges(inputs, onward)
    for (source, target_node), share in sorted(edges.items()):  # the graph is what was counted
        record(f"{source}\t{target_node}\t{share.numerator}/{share.denominator}")
    try:
        flow = solve([Edge(a, b, share) for (a, b), share in sorted(edges.items())], {start: Fraction(1)})
    except FlowError as error:
        raise DistributionError(f"bucket {bucket.name!r}: {error}") from None
    shares, owned = [], Fraction(0)
    valued = _values(inputs)
    for node, kept in flow.kept.items():
        if kept == 0:
            continue
        if node.startswith("claim:"):
            _, rule, agent = node.split(":", 2)
            shares.append(Share(agent, int(rule), kept, _via(state, node, edges, flow.along),
                                valued.get(node, Fraction(0))))
        elif node.startswith("owned:"):
            owned += kept
    return shares, owned


def _plan_edges(state: State, network: str, plan: str) -> dict[str, Fraction]:
    """A plan passes what reaches it to its processes, and to what was given to the plan
    itself, in proportion to the value that went into each (equally while none has any)."""
    processes = sorted(row.process for row in state.processes.values() if row.network == network and row.plan == plan)
    worth = {f"process:{process}": Fraction(0) for process in processes}
    inputs = Filter(actions=frozenset(a for a in ACTIONS if a != "produce"))
    if processes:
        for group in tally(state.contributions, TallyQuery(network, inputs, ("process",),
                                                             process=frozenset(processes), sums=("value",),
                                                             by_contributor=False)):
            worth[f"process:{group.values[0]}"] += Fraction(group.sums[0])
    direct = TallyQuery(network, inputs, (), plan=frozenset({plan}), without_process=True, sums=("value",),
                        by_contributor=False)
    given = [Fraction(group.sums[0]) for group in tally(state.contributions, direct)]
    if given:
        worth[f"direct:{plan}"] = sum(given, Fraction(0))
    total = sum(worth.values(), Fraction(0))
    if not worth:
        return {}
    if total == 0:
        return {node: Fraction(1, len(worth)) for node in worth}
    return {node: value / total for node, value in worth.items() if value}


def _inputs(state: State, network: str, bucket: Bucket, node: str, day: str, standing: dict[str, str],
            cites: bool) -> _Inputs:
    kind, name = node.split(":", 1)
    scope: dict[str, Any] = (
        {"process": frozenset({name})} if kind == "process" else {"plan": frozenset({name}), "without_process": True}
    )
    cited: dict[str, Fraction] = defaultdict(Fraction)
    if cites:  # a bucket none of whose rules counts citations pays no design through them
        query = TallyQuery(network, Filter(actions=frozenset({"cite"})), ("percent",), **scope)
        for group in tally(state.contributions, query):
            if group.values[0] != "0":
                cited[f"resource:{CITATIONS}:{group.holder[len('resource:'):]}"] += (
                    Fraction(Decimal(group.values[0])) * group.count / 100)
    passed = sum(cited.values(), Fraction(0))
    if passed > 1:
        row = state.processes.get((name,)) if kind == "process" else None
        shown = repr(row.name) if row else repr(name)
        raise DistributionError(f"the citations of {kind} {shown} take {passed * 100}%, more than all of it")
    valued: dict[str, Fraction] = defaultdict(Fraction)
    for index, rule in enumerate(bucket.rules):
        columns = columns_for(rule)
        for group in tally(state.contributions, TallyQuery(network, rule.filter, columns, **scope)):
            if _excluded(state, network, rule.filter, group):
                continue
            own = Decimal(group.values[columns.index("value")])
            if group.action == "cite" and own == 0:
                continue  # a citation by percent has no value of its own: its share was passed on above
            counted = worth(value_of(rule, columns, group, day), group, columns,
                            standing.get(group.contributor) if not group.holder.startswith("resource:") else None)
            if counted is None or counted == 0:
                continue
            target = (f"resource:{index}:{group.holder[len('resource:'):]}" if group.holder.startswith("resource:")
                      else _claim(index, group.contributor))
            valued[target] += Fraction(counted) * group.count
    return _Inputs(dict(cited), dict(valued))


def _cap(bucket: Bucket, inputs: dict[str, _Inputs]) -> None:
    """A rule's cap per agent bounds the value it counts for them across everything that made
    the target: their inputs are scaled down alike, so the others' shares grow, as they would
    in a plain distribution."""
    totals = _values(inputs)
    for node, total in totals.items():
        rule = bucket.rules[int(node.split(":")[1])]
        if rule.cap_per_agent is not None and total > rule.cap_per_agent:
            factor = Fraction(rule.cap_per_agent) / total
            for item in inputs.values():
                if node in item.valued:
                    item.valued[node] *= factor


def _values(inputs: dict[str, _Inputs]) -> dict[str, Fraction]:
    """Each claim's value across all the inputs."""
    totals: dict[str, Fraction] = defaultdict(Fraction)
    for item in inputs.values():
        for node, value in item.valued.items():
            if node.startswith("claim:"):
                totals[node] += value
    return totals


def _edges(inputs: dict[str, _Inputs], onward: dict[str, dict[str, Fraction]]) -> dict[tuple[str, str], Fraction]:
    """Each node's shares out. An input that flows to a resource nobody may be paid for (lent
    by a bad leaver) does not count, so the other inputs of its process share more."""
    edges: dict[tuple[str, str], Fraction] = {}
    for node, targets in onward.items():
        for target, share in targets.items():
            edges[(node, target)] = share
    for node, item in inputs.items():
        for target, share in item.cited.items():
            edges[(node, target)] = share
        payable = {target: value for target, value in item.valued.items()
                   if target.startswith("claim:") or onward.get(target)}
        total = sum(payable.values(), Fraction(0))
        rest = 1 - sum(item.cited.values(), Fraction(0))
        if total > 0 and rest > 0:
            for target, value in payable.items():
                edges[(node, target)] = edges.get((node, target), Fraction(0)) + rest * value / total
    return edges


def _excluded(state: State, network: str, where: Filter, group: Group) -> bool:
    return not where.holds(role_check(state, network, group.contributor))


def _resource_edges(state: State, network: str, node: str, standing: dict[str, str]) -> dict[str, Fraction]:
    """A produced resource passes what reaches it to its processes; a lent or bought one to
    whoever lent or paid for it (not to a bad leaver); one the network owns, to the network."""
    _, rule, resource = node.split(":", 2)
    produced: dict[str, Fraction] = defaultdict(Fraction)
    query = TallyQuery(network, Filter(actions=frozenset({"produce"})), ("process", "quantity"),
                       resource=frozenset({resource}))
    for group in tally(state.contributions, query):
        quantity = Fraction(Decimal(group.values[1])) or Fraction(1)
        produced[f"process:{group.values[0]}"] += quantity * group.count
    total = sum(produced.values(), Fraction(0))
    if total > 0:
        return {target: quantity / total for target, quantity in produced.items()}
    owners = holders(state, network, f"resource:{resource}")
    if owners == [(network, Fraction(1))]:
        return {f"owned:{resource}": Fraction(1)}
    paid = {agent: part for agent, part in owners if standing.get(agent) != "bad"}
    total = sum(paid.values(), Fraction(0))
    return {_claim(int(rule), agent): part / total for agent, part in paid.items()} if total else {}


def _via(state: State, node: str, edges: dict[tuple[str, str], Fraction],
         along: Callable[[Edge], Fraction]) -> str:
    """The processes and resources a claim's value came through, largest first."""
    parts = []
    for (source, target), share in edges.items():
        if target == node:
            parts.append((along(Edge(source, target, share)), _name(state, source)))
    total = sum((amount for amount, _ in parts), Fraction(0))
    parts.sort(key=lambda item: (-item[0], item[1]))
    shown = [f"{name} ({round(amount * 100 / total)}%)" if len(parts) > 1 else name for amount, name in parts[:3]]
    return ", ".join(shown) + (f" and {len(parts) - 3} more" if len(parts) > 3 else "")


def _name(state: State, node: str) -> str:
    if node.startswith(("plan:", "direct:")):
        return f"plan {node.split(':', 1)[1]!r}"
    if node.startswith("process:"):
        row = state.processes.get((node[len("process:"):],))
        return f"process {row.name!r}" if row else "a process"
    resource = state.resources.get((node.rsplit(":", 1)[1],))
    return f"resource {resource.name!r}" if resource else "a resource"
