"""Value flowing through graphs with cycles, solved exactly: worked examples, refusals and properties."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from multitude.domain.accounting.flow import Edge, Flow, FlowError, solve

F = Fraction


def check_equations(edges: list[Edge], injected: dict[str, Fraction], flow: Flow) -> None:
    """The defining equations, conservation and signs, checked exactly."""
    nodes = {e.source for e in edges} | {e.target for e in edges} | set(injected)
    assert flow.received.keys() == nodes
    assert flow.kept.keys() == nodes
    inflow = dict.fromkeys(nodes, F(0))
    out = dict.fromkeys(nodes, F(0))
    for e in edges:
        inflow[e.target] += flow.along(e)
        out[e.source] += e.share
    for node in nodes:
        assert flow.received[node] == injected.get(node, F(0)) + inflow[node]
        assert flow.kept[node] == flow.received[node] * (1 - out[node])
        assert flow.received[node] >= 0
        assert flow.kept[node] >= 0
    assert sum(flow.kept.values(), F(0)) == sum(injected.values(), F(0))


# --- worked examples ------------------------------------------------------------------------------


def test_chain() -> None:
    edges = [Edge("A", "B", F(1, 2)), Edge("B", "C", F(1, 3))]
    flow = solve(edges, {"A": F(6)})
    assert flow.received == {"A": 6, "B": 3, "C": 1}
    assert flow.kept == {"A": 3, "B": 2, "C": 1}
    assert flow.along(edges[1]) == 1
    check_equations(edges, {"A": F(6)}, flow)


def test_diamond() -> None:
    edges = [Edge("A", "B", F(1, 2)), Edge("A", "C", F(1, 2)), Edge("B", "D", F(1)), Edge("C", "D", F(1, 2))]
    flow = solve(edges, {"A": F(4)})
    assert flow.received == {"A": 4, "B": 2, "C": 2, "D": 3}
    assert flow.kept == {"A": 0, "B": 0, "C": 1, "D": 3}
    check_equations(edges, {"A": F(4)}, flow)


def test_two_node_cycle_closed_form() -> None:
    """A→B 1/2, B→A 1/2, A→a 1/2, B→b 1/2 (a, b sinks); inject 1 at A.

    r_A = 1 + r_B/2 and r_B = r_A/2, so r_A = 1 + r_A/4, r_A = 4/3 and r_B = 2/3.
    a receives r_A/2 = 2/3 and b receives r_B/2 = 1/3; A and B pass on everything and keep 0,
    so a and b keep 2/3 + 1/3 = 1, all that was injected.
    """
    edges = [Edge("A", "B", F(1, 2)), Edge("B", "A", F(1, 2)), Edge("A", "a", F(1, 2)), Edge("B", "b", F(1, 2))]
    flow = solve(edges, {"A": F(1)})
    assert flow.received == {"A": F(4, 3), "B": F(2, 3), "a": F(2, 3), "b": F(1, 3)}
    assert flow.kept == {"A": 0, "B": 0, "a": F(2, 3), "b": F(1, 3)}
    assert flow.along(Edge("B", "A", F(1, 2))) == F(1, 3)
    check_equations(edges, {"A": F(1)}, flow)


def test_three_node_cycle_with_different_shares() -> None:
    """A→B 1/2, B→C 2/3, C→A 3/4, B→S 1/3 (S a sink); A keeps 1/2, C keeps 1/4; inject 1 at A.

    r_B = r_A/2, r_C = (2/3) r_B = r_A/3, r_A = 1 + (3/4) r_C = 1 + r_A/4, so r_A = 4/3, r_B = 2/3,
    r_C = 4/9 and r_S = (1/3) r_B = 2/9. Kept: A (1/2)(4/3) = 2/3, B 0, C (1/4)(4/9) = 1/9, S 2/9;
    2/3 + 1/9 + 2/9 = 1.
    """
    edges = [Edge("A", "B", F(1, 2)), Edge("B", "C", F(2, 3)), Edge("C", "A", F(3, 4)), Edge("B", "S", F(1, 3))]
    flow = solve(edges, {"A": F(1)})
    assert flow.received == {"A": F(4, 3), "B": F(2, 3), "C": F(4, 9), "S": F(2, 9)}
    assert flow.kept == {"A": F(2, 3), "B": 0, "C": F(1, 9), "S": F(2, 9)}
    check_equations(edges, {"A": F(1)}, flow)
    # injecting elsewhere too: upstream of the cycle and into it
    edges.append(Edge("U", "C", F(1, 2)))
    injected = {"U": F(2), "B": F(1, 7)}
    check_equations(edges, injected, solve(edges, injected))


def test_cycle_that_passes_everything_on_but_has_an_exit() -> None:
    """A→B 1, B→A 1/2, B→C 1/2; inject 1 at A: r_A = 1 + r_B/2, r_B = r_A, so r_A = r_B = 2, C gets 1."""
    edges = [Edge("A", "B", F(1)), Edge("B", "A", F(1, 2)), Edge("B", "C", F(1, 2))]
    flow = solve(edges, {"A": F(1)})
    assert flow.received == {"A": 2, "B": 2, "C": 1}
    assert flow.kept == {"A": 0, "B": 0, "C": 1}


def test_cycles_in_sequence_and_nested_components() -> None:
    edges = [
        Edge("A", "B", F(1, 2)),
        Edge("B", "A", F(1, 3)),
        Edge("B", "C", F(1, 3)),
        Edge("C", "D", F(1, 2)),
        Edge("D", "E", F(1, 2)),
        Edge("E", "C", F(1, 2)),
        Edge("E", "D", F(1, 4)),
        Edge("A", "E", F(1, 5)),
    ]
    injected = {"A": F(3), "D": F(1, 2)}
    check_equations(edges, injected, solve(edges, injected))


def test_nodes_nothing_reaches_are_present_with_zero() -> None:
    edges = [Edge("A", "B", F(1, 2)), Edge("X", "Y", F(1))]
    flow = solve(edges, {"A": F(1), "lonely": F(5)})
    assert flow.received == {"A": 1, "B": F(1, 2), "X": 0, "Y": 0, "lonely": 5}
    assert flow.kept["lonely"] == 5
    assert flow.along(Edge("Q", "R", F(1))) == 0  # a node not in the graph passes nothing


def test_no_edges_and_no_injection() -> None:
    assert solve([], {}) == Flow(received={}, kept={})
    assert solve([Edge("A", "B", F(1))], {}).kept == {"A": 0, "B": 0}


def test_ints_are_accepted_as_fractions() -> None:
    edge = Edge("A", "B", 1)  # type: ignore[arg-type]
    assert isinstance(edge.share, Fraction)
    flow = solve([edge], {"A": 3})  # type: ignore[dict-item]
    assert flow.kept == {"A": 0, "B": 3}
    assert all(isinstance(v, Fraction) for v in flow.kept.values())


# --- refusals -------------------------------------------------------------------------------------


def test_singular_cycle_is_refused_naming_its_nodes() -> None:
    with pytest.raises(FlowError, match="nothing leaves it: A, B"):
        solve([Edge("A", "B", F(1)), Edge("B", "A", F(1))], {"A": F(1)})
    # fed from upstream, and longer
    with pytest.raises(FlowError, match="nothing leaves it: P, Q, R"):
        solve([Edge("X", "P", F(1, 2)), Edge("P", "Q", F(1)), Edge("Q", "R", F(1)), Edge("R", "P", F(1))], {"X": F(1)})
    # a closed cycle is refused even when nothing reaches it: the check is about the graph
    with pytest.raises(FlowError, match="nothing leaves it: A, B"):
        solve([Edge("A", "B", F(1)), Edge("B", "A", F(1))], {"Z": F(1)})


def test_singular_cycle_inside_a_larger_structure() -> None:
    # B and C hand everything to each other, a leaky loop D⇄E feeds them: {B, C} is closed.
    edges = [Edge("D", "E", F(1, 2)), Edge("E", "D", F(1, 2)), Edge("E", "B", F(1, 4))]
    edges += [Edge("B", "C", F(1)), Edge("C", "B", F(1))]
    with pytest.raises(FlowError, match=r"nothing leaves it: B, C$"):
        solve(edges, {"D": F(1)})


def test_shares_out_above_one_are_refused() -> None:
    with pytest.raises(FlowError, match=r"shares out of 'A' sum to 7/6, more than 1"):
        solve([Edge("A", "B", F(2, 3)), Edge("A", "C", F(1, 2))], {"A": F(1)})


@pytest.mark.parametrize(
    ("source", "target", "share", "message"),
    [
        ("A", "A", F(1, 2), "self-loop on 'A'"),
        ("A", "B", F(0), r"must be in \(0, 1\]"),
        ("A", "B", F(-1, 2), r"must be in \(0, 1\]"),
        ("A", "B", F(3, 2), r"must be in \(0, 1\]"),
        ("A", "B", 0.5, "must be a Fraction"),
        ("A", "B", True, "must be a Fraction"),
        ("A", 3, F(1, 2), "edge ends must be str"),
    ],
)
def test_bad_edges_are_refused(source: str, target: str, share: Fraction, message: str) -> None:
    with pytest.raises(FlowError, match=message):
        Edge(source, target, share)


def test_duplicate_edges_are_refused() -> None:
    with pytest.raises(FlowError, match="duplicate edge 'A' -> 'B'"):
        solve([Edge("A", "B", F(1, 4)), Edge("A", "B", F(1, 4))], {"A": F(1)})


def test_bad_injections_are_refused() -> None:
    with pytest.raises(FlowError, match="injection at 'A' must be >= 0"):
        solve([], {"A": F(-1)})
    with pytest.raises(FlowError, match="must be a Fraction"):
        solve([], {"A": 1.0})  # type: ignore[dict-item]


def test_flow_error_is_a_value_error() -> None:
    assert issubclass(FlowError, ValueError)


# --- properties -----------------------------------------------------------------------------------


NINE_TENTHS = F(9, 10)


@st.composite
def graphs(draw: st.DrawFn, max_out: Fraction = NINE_TENTHS) -> tuple[list[Edge], dict[str, Fraction]]:
    """Up to 15 nodes, random edges; the shares out of each node sum to at most `max_out`.

    With max_out == 1 some nodes pass on everything, and sometimes a "trap" of nodes passes
    everything only among themselves (a closed cycle when it has two nodes or more).
    """
    size = draw(st.integers(1, 15))
    names = [f"n{i:02d}" for i in range(size)]
    trap: set[str] = set()
    if max_out == 1 and size >= 2 and draw(st.booleans()):
        trap = set(draw(st.lists(st.sampled_from(names), unique=True, min_size=2, max_size=4)))
    edges: list[Edge] = []
    for name in names:
        others = [n for n in names if n != name and (name not in trap or n in trap)]
        if not others:
            continue
        least = 1 if name in trap else 0
        targets = draw(st.lists(st.sampled_from(others), unique=True, min_size=least, max_size=len(others)))
        if not targets:
            continue
        full = max_out == 1 and (name in trap or draw(st.booleans()))  # passes on everything it receives
        out = F(1) if full else draw(st.integers(1, 1000)) * max_out / 1000
        raw = [draw(st.integers(1, 20)) for _ in targets]
        edges.extend(Edge(name, t, out * r / sum(raw)) for t, r in zip(targets, raw, strict=True))
    injected_names = draw(st.lists(st.sampled_from(names), unique=True, max_size=size))
    injected = {n: F(draw(st.integers(0, 10**6)), draw(st.integers(1, 10**3))) for n in injected_names}
    return edges, injected


@given(graphs())
def test_random_graphs_conserve_and_satisfy_the_equations(case: tuple[list[Edge], dict[str, Fraction]]) -> None:
    edges, injected = case
    flow = solve(edges, injected)
    check_equations(edges, injected, flow)


@given(graphs(), st.randoms(use_true_random=False))
def test_edge_and_injection_order_do_not_matter(
    case: tuple[list[Edge], dict[str, Fraction]], rnd: random.Random
) -> None:
    edges, injected = case
    expected = solve(edges, injected)
    shuffled_edges = list(edges)
    rnd.shuffle(shuffled_edges)
    items = list(injected.items())
    rnd.shuffle(items)
    assert solve(shuffled_edges, dict(items)) == expected


def closed_nodes(edges: list[Edge]) -> set[str]:
    """The largest set of nodes that pass on everything and only to each other (independent oracle)."""
    out: dict[str, Fraction] = {}
    for e in edges:
        out[e.source] = out.get(e.source, F(0)) + e.share
    closed = {n for n, s in out.items() if s == 1}
    while True:
        shrunk = {n for n in closed if all(e.target in closed for e in edges if e.source == n)}
        if shrunk == closed:
            return closed
        closed = shrunk


@given(graphs(max_out=F(1)))
def test_graphs_without_leakage_everywhere_either_solve_or_hold_a_closed_cycle(
    case: tuple[list[Edge], dict[str, Fraction]],
) -> None:
    edges, injected = case
    closed = closed_nodes(edges)
    if closed:
        with pytest.raises(FlowError, match="nothing leaves it"):
            solve(edges, injected)
    else:
        check_equations(edges, injected, solve(edges, injected))


# --- size: deep graphs must not recurse -----------------------------------------------------------


def test_long_chain_with_cycles_solves_without_recursion() -> None:
    """2,000 chain nodes (deeper than Python's default recursion limit) plus five 20-node cycles."""
    length = 2000
    chain = [f"c{i:04d}" for i in range(length)]
    edges: list[Edge] = []
    for i in range(length - 1):
        if i % 400 == 7:  # feeds a cycle with half of what it receives
            edges.append(Edge(chain[i], chain[i + 1], F(1, 2)))
            ring = [f"r{i:04d}_{j:02d}" for j in range(20)]
            edges.append(Edge(chain[i], ring[0], F(1, 2)))
            for j in range(20):
                edges.append(Edge(ring[j], ring[(j + 1) % 20], F(9, 10)))
            edges.append(Edge(ring[10], chain[i + 50], F(1, 10)))  # back into the chain, further down
        elif i % 100 == 99:
            edges.append(Edge(chain[i], chain[i + 1], F(1, 2)))
        else:
            edges.append(Edge(chain[i], chain[i + 1], F(1)))
    injected = {chain[0]: F(1000), chain[1234]: F(7, 3)}
    flow = solve(edges, injected)
    assert len(flow.received) == length + 5 * 20
    assert sum(flow.kept.values(), F(0)) == sum(injected.values(), F(0))
    assert all(v >= 0 for v in flow.received.values())
    assert flow.received[chain[-1]] > 0
    check_equations(edges, injected, flow)
