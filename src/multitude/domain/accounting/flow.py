"""Value flowing through a graph of resources, processes and networks, solved exactly.

A node passes fixed fractions (the shares of its outgoing edges) of whatever reaches it on to
other nodes and keeps the rest; a node without outgoing edges (an agent, say) keeps everything.
Graphs may contain cycles (design A cites design B, which cites A), so the amounts are the exact
solution of a linear system, found per strongly connected component in topological order with
Fractions, never by iterating "until it looks small".

Here live the edge and result types and the solver. Nothing here knows what the nodes stand for,
reads events or storage, rounds to money (see `apportion` for that) or uses floats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["Edge", "Flow", "FlowError", "solve"]


class FlowError(ValueError):
    """A graph or an injection that has no (unique, finite) flow."""


@dataclass(frozen=True, slots=True)
class Edge:
    """`source` passes `share` (0 < share <= 1) of everything it receives on to `target`.

    A Fraction or an int is accepted for `share` and stored as a Fraction. Self-loops are refused.
    """

    source: str
    target: str
    share: Fraction

    def __post_init__(self) -> None:
        if not isinstance(self.source, str) or not isinstance(self.target, str):
            raise FlowError(f"edge ends must be str, got {self.source!r} -> {self.target!r}")
        if self.source == self.target:
            raise FlowError(f"self-loop on {self.source!r} is not allowed")
        if isinstance(self.share, bool) or not isinstance(self.share, Fraction | int):
            raise FlowError(
                f"share of {self.source!r} -> {self.target!r} must be a Fraction, got {type(self.share).__name__}"
            )
        if not 0 < self.share <= 1:
            raise FlowError(f"share of {self.source!r} -> {self.target!r} must be in (0, 1], got {self.share}")
        object.__setattr__(self, "share", Fraction(self.share))


@dataclass(frozen=True)
class Flow:
    """The solved flow. Every node named by an edge or by the injection is a key of both dicts
    (a node that nothing reaches has 0); no other node is.

    received: everything that reached the node (its injection plus its inflow, counting what went
    round cycles). kept: received × (1 − Σ shares out); the kept amounts sum to the injected total.
    """

    received: dict[str, Fraction]
    kept: dict[str, Fraction]

    def along(self, edge: Edge) -> Fraction:
        """What passed along `edge`: received[source] × share (0 for a node not in the flow)."""
        return self.received.get(edge.source, Fraction(0)) * edge.share


def solve(edges: Iterable[Edge], injected: Mapping[str, Fraction]) -> Flow:
    """Solve received[x] = injected.get(x, 0) + Σ_{y→x} share(y→x)·received[y] exactly.

    Raises FlowError for: a duplicate (source, target) edge; shares out of a node summing above 1;
    an injection that is not a Fraction (or int) >= 0 or not keyed by str; and a cycle that passes
    everything around (every node of a strongly connected component sends all it receives to
    others in that component, so value would circle forever). These checks are structural: a
    closed cycle is refused even if nothing is injected upstream of it.

    The answer does not depend on the order of `edges` or of `injected`.
    """
    outgoing: dict[str, dict[str, Fraction]] = defaultdict(dict)
    incoming: dict[str, dict[str, Fraction]] = defaultdict(dict)
    nodes: set[str] = set()
    for edge in edges:
        if not isinstance(edge, Edge):
            raise FlowError(f"edges must be Edge, got {type(edge).__name__}")
        if edge.target in outgoing[edge.source]:
            raise FlowError(f"duplicate edge {edge.source!r} -> {edge.target!r}")
        outgoing[edge.source][edge.target] = edge.share
        incoming[edge.target][edge.source] = edge.share
        nodes.update((edge.source, edge.target))

    inflow: dict[str, Fraction] = {}
    for node, amount in injected.items():
        if not isinstance(node, str):
            raise FlowError(f"injected nodes must be str, got {node!r}")
        if isinstance(amount, bool) or not isinstance(amount, Fraction | int):
            raise FlowError(f"injection at {node!r} must be a Fraction, got {type(amount).__name__}")
        if amount < 0:
            raise FlowError(f"injection at {node!r} must be >= 0, got {amount}")
        inflow[node] = Fraction(amount)
        nodes.add(node)

    ordered = sorted(nodes)
    out_sum = {node: sum(outgoing[node].values(), Fraction(0)) for node in ordered}
    for node in ordered:
        if out_sum[node] > 1:
            raise FlowError(f"shares out of {node!r} sum to {out_sum[node]}, more than 1")

    successors = {node: sorted(outgoing[node]) for node in ordered}
    received: dict[str, Fraction] = {}
    for component in _components_in_topological_order(ordered, successors):
        if len(component) == 1:  # no self-loops, so a single node is acyclic
            node = component[0]
            received[node] = inflow.get(node, Fraction(0))
        else:
            inside = set(component)
            if all(out_sum[node] == 1 and inside.issuperset(outgoing[node]) for node in component):
                raise FlowError(f"cycle passes everything around and nothing leaves it: {', '.join(sorted(component))}")
            received.update(_solve_cycle(component, incoming, inflow))
        for node in component:
            for target, share in outgoing[node].items():
                if target not in received:  # pass on to later components only
                    inflow[target] = inflow.get(target, Fraction(0)) + share * received[node]

    received = {node: received[node] for node in ordered}
    kept = {node: received[node] * (1 - out_sum[node]) for node in ordered}
    return Flow(received=received, kept=kept)


def _solve_cycle(
    component: Sequence[str],
    incoming: Mapping[str, Mapping[str, Fraction]],
    inflow: Mapping[str, Fraction],
) -> dict[str, Fraction]:
    """received on a strongly connected component: solve (I − Sᵀ) r = b by exact Gaussian elimination.

    b is what reaches each node from outside the component (injection plus earlier components,
    already in `inflow`). The matrix is singular exactly when no node of the component lets
    anything out of it (Perron–Frobenius on an irreducible substochastic matrix); the caller
    refuses that case first, and the missing pivot below is only a second guard.
    """
    members = sorted(component)
    position = {node: i for i, node in enumerate(members)}
    size = len(members)
    # Rows of the augmented matrix [I − Sᵀ | b], row x: r_x − Σ_{y in C} s(y→x) r_y = b_x.
    rows: list[list[Fraction]] = []
    for node in members:
        row = [Fraction(0)] * (size + 1)
        row[position[node]] = Fraction(1)
        for source, share in incoming.get(node, {}).items():
            if source in position:
                row[position[source]] -= share
        row[size] = inflow.get(node, Fraction(0))
        rows.append(row)

    for col in range(size):
        pivot = next((r for r in range(col, size) if rows[r][col] != 0), None)
        if pivot is None:
            raise FlowError(f"cycle passes everything around and nothing leaves it: {', '.join(members)}")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        pivot_row = rows[col]
        inverse = 1 / pivot_row[col]
        for j in range(col, size + 1):
            pivot_row[j] *= inverse
        for r in range(size):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col]
                row = rows[r]
                for j in range(col, size + 1):
                    if pivot_row[j] != 0:
                        row[j] -= factor * pivot_row[j]
    return {node: rows[position[node]][size] for node in members}


def _components_in_topological_order(nodes: Sequence[str], successors: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Strongly connected components, every edge going from an earlier to a later (or the same) one.

    Iterative Tarjan (no recursion, so arbitrarily deep graphs are fine). Tarjan finishes a
    component only after every component it reaches, so its output is reversed at the end.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)

    for root in nodes:
        if root in index:
            continue
        visit(root)
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, next_child = work[-1]
            children = successors[node]
            if next_child < len(children):
                work[-1] = (node, next_child + 1)
                child = children[next_child]
                if child not in index:
                    visit(child)
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(component)
    found.reverse()
    return found
