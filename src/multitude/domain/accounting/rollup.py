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


def _claim(rule: int, agent: str) -> str:
    return f"claim:{rule}:{agent}"


def rollup(state: State, network: str, bucket: Bucket, target: Target, day: str,
           standing: dict[str, str], record: Callable[[str], None]) -> tuple[list[Share], Fraction]:
    """The shares of the target's value by agent and rule, and the part nobody claims (the
    network keeps it). `record` is told the graph (every edge and its share), for the
    contributions digest."""
    start = {"process": f"process:{target.id}", "plan": f"plan:{target.id}"}.get(
        target.kind, f"resource:{CITATIONS}:{target.id}")
    edges: dict[tuple[str, str], Fraction] = {}
    todo, seen = [start], {start}
    while todo:
        node = todo.pop()
        if node.startswith("plan:"):
            outgoing = _plan_edges(state, network, node[len("plan:"):])
        elif node.startswith("process:"):
            outgoing = _process_edges(state, network, bucket, node[len("process:"):], day, standing)
        else:
            _, rule, resource = node.split(":", 2)
            outgoing = _resource_edges(state, network, int(rule), resource)
        for target_node, share in outgoing.items():
            edges[(node, target_node)] = share
            if not target_node.startswith("claim:") and target_node not in seen:
                seen.add(target_node)
                todo.append(target_node)
    for (source, target_node), share in sorted(edges.items()):  # the graph is what was counted
        record(f"{source}\t{target_node}\t{share.numerator}/{share.denominator}")
    try:
        flow = solve([Edge(a, b, share) for (a, b), share in sorted(edges.items())], {start: Fraction(1)})
    except FlowError as error:
        raise DistributionError(f"bucket {bucket.name!r}: {error}") from None
    shares, unclaimed = [], Fraction(0)
    for node, kept in flow.kept.items():
        if kept == 0:
            continue
        if node.startswith("claim:"):
            _, rule, agent = node.split(":", 2)
            shares.append(Share(agent, int(rule), kept, _via(state, node, edges, flow.along)))
        else:
            unclaimed += kept
    return shares, unclaimed


def _plan_edges(state: State, network: str, plan: str) -> dict[str, Fraction]:
    """A plan passes what reaches it to its processes, in proportion to the value that went
    into each (equally while none has any)."""
    processes = sorted(row.process for row in state.processes.values() if row.network == network and row.plan == plan)
    if not processes:
        return {}
    worth = dict.fromkeys(processes, Fraction(0))
    inputs = Filter(actions=frozenset(a for a in ACTIONS if a != "produce"))
    for group in tally(state.contributions, TallyQuery(network, inputs, ("process",), process=frozenset(processes),
                                                         sums=("value",), by_contributor=False)):
        worth[group.values[0]] += Fraction(group.sums[0])
    total = sum(worth.values(), Fraction(0))
    if total == 0:
        return {f"process:{process}": Fraction(1, len(processes)) for process in processes}
    return {f"process:{process}": value / total for process, value in worth.items() if value}


def _process_edges(state: State, network: str, bucket: Bucket, process: str, day: str,
                   standing: dict[str, str]) -> dict[str, Fraction]:
    where = frozenset({process})
    cited: dict[str, Fraction] = defaultdict(Fraction)
    for group in tally(state.contributions, TallyQuery(network, Filter(actions=frozenset({"cite"})), ("percent",),
                                                         process=where)):
        if group.values[0] != "0":
            cited[f"resource:{CITATIONS}:{group.holder[len('resource:'):]}"] += (
                Fraction(Decimal(group.values[0])) * group.count / 100)
    passed = sum(cited.values(), Fraction(0))
    if passed > 1:
        name = state.processes[(process,)].name if (process,) in state.processes else process[:12]
        raise DistributionError(f"the citations of process {name!r} take {passed * 100}%, more than all of it")
    valued: dict[str, Fraction] = defaultdict(Fraction)
    for index, rule in enumerate(bucket.rules):
        columns = columns_for(rule)
        for group in tally(state.contributions, TallyQuery(network, rule.filter, columns, process=where)):
            if _excluded(state, network, rule.filter, group):
                continue
            counted = worth(value_of(rule, columns, group, day), group, columns,
                            standing.get(group.contributor) if not group.holder.startswith("resource:") else None)
            # A citation by percent has no value of its own (its share was passed on above).
            if counted is None or counted == 0 or (group.action == "cite" and group.values[-1] == "0"):
                continue
            node = (f"resource:{index}:{group.holder[len('resource:'):]}" if group.holder.startswith("resource:")
                    else _claim(index, group.contributor))
            valued[node] += Fraction(counted) * group.count
    total = sum(valued.values(), Fraction(0))
    edges = dict(cited)
    if total > 0 and passed < 1:
        for node, value in valued.items():
            edges[node] = edges.get(node, Fraction(0)) + (1 - passed) * value / total
    return edges


def _excluded(state: State, network: str, where: Filter, group: Group) -> bool:
    return not where.holds(role_check(state, network, group.contributor))


def _resource_edges(state: State, network: str, rule: int, resource: str) -> dict[str, Fraction]:
    produced: dict[str, Fraction] = defaultdict(Fraction)
    query = TallyQuery(network, Filter(actions=frozenset({"produce"})), ("process", "quantity"),
                       resource=frozenset({resource}))
    for group in tally(state.contributions, query):
        quantity = Fraction(Decimal(group.values[1])) or Fraction(1)
        produced[f"process:{group.values[0]}"] += quantity * group.count
    total = sum(produced.values(), Fraction(0))
    if total > 0:
        return {node: quantity / total for node, quantity in produced.items()}
    owners = holders(state, network, f"resource:{resource}")
    return {_claim(rule, agent): part for agent, part in owners if agent != network}


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
    if node.startswith("plan:"):
        return f"plan {node[len('plan:'):]!r}"
    if node.startswith("process:"):
        row = state.processes.get((node[len("process:"):],))
        return f"process {row.name!r}" if row else "a process"
    resource = state.resources.get((node.rsplit(":", 1)[1],))
    return f"resource {resource.name!r}" if resource else "a resource"
