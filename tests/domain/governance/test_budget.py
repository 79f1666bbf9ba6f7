"""Participatory budgeting: a round worked out by hand, the spend rules, refusals, and properties
of the greedy selection for any projects and ballots."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from multitude.domain.governance.budget import (
    Allocation,
    Approval,
    BudgetError,
    Project,
    Selected,
    Skip,
    Skipped,
    allocate,
)

D = Decimal
F = Fraction

# The camp's round, worked out by hand. Budget 1000.00.
#
#   project   cost     ballots approving it (weight)            support
#   kitchen   500      b1 (1), b2 (1), b3 (1)                   3
#   library   299.50   b2 (1), b4 (1), b6 (1/2)                 5/2
#   garden    400      b1 (1), b4 (1), b5 (1/2)                 5/2
#   solar     250      b3 (1), b6 (1/2)                         3/2
#   bikes     150.25   b5 (1/2), b7 (1/2)                       1
#   benches   40       b6 (1/2); needs a support of 1           1/2
#   mural     50       nobody                                   0
#
# Order: kitchen; library before garden (same support, cheaper); solar; bikes; benches; mural.
#   kitchen   500    fits in 1000.00 -> total  500.00
#   library   299.50 fits in  500.00 -> total  799.50
#   garden    400    left 200.50: does not fit, skipped
#   solar     250    left 200.50: does not fit, skipped
#   bikes     150.25 fits in  200.50 -> total  949.75   (the round went on past two misfits)
#   benches   40     support 1/2 is below its minimum 1: skipped, though it would fit
#   mural     50     no support: skipped, though it would fit
# Spent 949.75, unspent 50.25.
PROJECTS = (
    Project("kitchen", D("500")),
    Project("library", D("299.50")),
    Project("garden", D("400")),
    Project("solar", D("250")),
    Project("bikes", D("150.25")),
    Project("benches", D("40"), min_support=1),
    Project("mural", D("50")),
)
BALLOTS = (
    Approval(frozenset({"kitchen", "garden"})),  # b1
    Approval(frozenset({"kitchen", "library"})),  # b2
    Approval(frozenset({"kitchen", "solar"})),  # b3
    Approval(frozenset({"garden", "library"})),  # b4
    Approval(frozenset({"garden", "bikes"}), F(1, 2)),  # b5
    Approval(frozenset({"library", "solar", "benches"}), F(1, 2)),  # b6
    Approval(frozenset({"bikes"}), F(1, 2)),  # b7
)


def test_the_camps_round_worked_out_by_hand() -> None:
    result = allocate(D("1000.00"), PROJECTS, BALLOTS)
    assert result.selected == (
        Selected("kitchen", F(3), D("500"), D("500")),
        Selected("library", F(5, 2), D("299.50"), D("799.50")),
        Selected("bikes", F(1), D("150.25"), D("949.75")),
    )
    assert result.skipped == (
        Skipped("garden", F(5, 2), D("400"), Skip.DOES_NOT_FIT, D("200.50")),
        Skipped("solar", F(3, 2), D("250"), Skip.DOES_NOT_FIT, D("200.50")),
        Skipped("benches", F(1, 2), D("40"), Skip.BELOW_MINIMUM, D("50.25")),
        Skipped("mural", F(0), D("50"), Skip.NO_SUPPORT, D("50.25")),
    )
    assert (result.spent, result.unspent, result.limit, result.failure) == (D("949.75"), D("50.25"), D("1000.00"), None)
    assert str(result.unspent) == "50.25"


def test_a_maximum_spend_below_the_budget_caps_the_round() -> None:
    result = allocate(D("1000.00"), PROJECTS, BALLOTS, max_spend=D("850"))
    assert [s.project for s in result.selected] == ["kitchen", "library"]
    assert [(s.project, s.reason, s.remaining) for s in result.skipped[:3]] == [
        ("garden", Skip.DOES_NOT_FIT, D("50.50")),
        ("solar", Skip.DOES_NOT_FIT, D("50.50")),
        ("bikes", Skip.DOES_NOT_FIT, D("50.50")),
    ]
    assert (result.limit, result.spent, result.unspent) == (D("850"), D("799.50"), D("200.50"))


def test_a_round_that_does_not_reach_its_minimum_spend_fails() -> None:
    result = allocate(D("1000.00"), PROJECTS, BALLOTS, max_spend=D("850"), min_spend=D("800"))
    assert result.failure == "the selected projects spend 799.50, less than the minimum spend 800: the round fails"
    assert allocate(D("1000.00"), PROJECTS, BALLOTS, min_spend=D("949.75")).failure is None


def test_ties_go_to_the_cheaper_then_to_the_smaller_id() -> None:
    projects = [Project("b", 60), Project("a", 60), Project("c", 50)]
    result = allocate(100, projects, [Approval(frozenset({"a", "b", "c"}))])
    assert [s.project for s in result.selected] == ["c"]
    assert [(s.project, s.remaining) for s in result.skipped] == [("a", D(50)), ("b", D(50))]


def test_integer_minor_units_work_as_well_as_decimals() -> None:
    result = allocate(100_000, [Project("kitchen", 50_000), Project("garden", 60_000)],
                      [Approval(frozenset({"kitchen"}), 2), Approval(frozenset({"garden"}))])
    assert [(s.project, s.total) for s in result.selected] == [("kitchen", D(50_000))]
    assert result.unspent == D(50_000)


def test_a_ballot_given_a_list_approves_each_project_once() -> None:
    twice = Approval(["kitchen", "kitchen"])  # type: ignore[arg-type]
    result = allocate(10, [Project("kitchen", 1)], [twice])
    assert result.selected[0].support == 1


def test_no_projects_and_no_ballots() -> None:
    assert allocate(D("10"), [], []) == Allocation(D("10"), D("10"), (), (), D(0), D("10"), None)


# --- refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "projects", "ballots", "rules", "message"),
    [
        (D(100), [Project("a", D("-1"))], [], {}, "cost of project 'a': -1 is negative"),
        (D(100), [Project("a", 1.5)], [], {}, "not an exact amount"),  # type: ignore[arg-type]
        (D(100), [Project("a", D("NaN"))], [], {}, "not a finite amount"),
        (D(100), [Project("a", 1), Project("a", 2)], [], {}, "project 'a' is listed twice"),
        (D(100), [Project("a", 1, min_support=F(-1))], [], {}, "minimum support of project 'a': -1 is negative"),
        (D(100), [Project("a", 1)], [Approval(frozenset({"zz"}))], {}, "approves 'zz', which is not a project"),
        (D(100), [Project("a", 1)], [Approval(frozenset({"a"}), -1)], {}, "ballot weight: -1 is negative"),
        (D(100), [Project("a", 1)], [Approval(frozenset({"a"}), 0.5)], {}, "not an exact number"),  # type: ignore[arg-type]
        (D(-5), [], [], {}, "budget: -5 is negative"),
        (True, [], [], {}, "budget: True is not an exact amount"),
        (D(100), [], [], {"max_spend": D(101)}, "maximum spend 101 is more than the budget 100"),
        (D(100), [], [], {"max_spend": D(50), "min_spend": D(60)}, "minimum spend 60 is more than the round may"),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    budget: Decimal, projects: list[Project], ballots: list[Approval], rules: dict[str, Decimal], message: str
) -> None:
    with pytest.raises(BudgetError, match=message):
        allocate(budget, projects, ballots, **rules)


# --- properties -----------------------------------------------------------------------------------------

IDS = [f"p{i}" for i in range(8)]


def cents(count: int) -> Decimal:
    return D(count).scaleb(-2)


@st.composite
def rounds(draw: st.DrawFn) -> tuple[Decimal, list[Project], list[Approval], dict[str, Decimal]]:
    budget = draw(st.integers(0, 100_000))
    ids = draw(st.lists(st.sampled_from(IDS), unique=True))
    projects = [
        Project(pid, cents(draw(st.integers(0, 60_000))), F(draw(st.integers(0, 3)), draw(st.integers(1, 2))))
        for pid in ids
    ]
    ballots = [
        Approval(frozenset(draw(st.lists(st.sampled_from(ids)))) if ids else frozenset(),
                 F(draw(st.integers(0, 4)), draw(st.integers(1, 3))))
        for _ in range(draw(st.integers(0, 6)))
    ]
    rules: dict[str, Decimal] = {}
    limit = budget
    if draw(st.booleans()):
        limit = draw(st.integers(0, budget))
        rules["max_spend"] = cents(limit)
    if draw(st.booleans()):
        rules["min_spend"] = cents(draw(st.integers(0, limit)))
    return cents(budget), projects, ballots, rules


def consideration_order(result: Allocation) -> list[Selected | Skipped]:
    """Every project of the round in the order its turn came: more support, cheaper, smaller id."""
    return sorted([*result.selected, *result.skipped], key=lambda p: (-p.support, p.cost, p.project))


@given(rounds())
def test_the_round_never_spends_beyond_its_limit_and_the_totals_add_up(
    round_: tuple[Decimal, list[Project], list[Approval], dict[str, Decimal]],
) -> None:
    budget, projects, ballots, rules = round_
    result = allocate(budget, projects, ballots, **rules)
    assert result.spent <= result.limit <= budget
    assert result.spent == sum((s.cost for s in result.selected), D(0))
    assert result.unspent == budget - result.spent
    assert sorted(p.project for p in consideration_order(result)) == sorted(p.id for p in projects)
    assert (result.failure is not None) == ("min_spend" in rules and result.spent < rules["min_spend"])


@given(rounds())
def test_each_project_is_judged_by_what_was_left_when_its_turn_came(
    round_: tuple[Decimal, list[Project], list[Approval], dict[str, Decimal]],
) -> None:
    budget, projects, ballots, rules = round_
    result = allocate(budget, projects, ballots, **rules)
    minimum = {p.id: p.min_support for p in projects}
    spent = D(0)
    for entry in consideration_order(result):
        remaining = result.limit - spent
        if isinstance(entry, Selected):
            assert entry.support > 0
            assert entry.support >= minimum[entry.project]
            assert entry.cost <= remaining
            spent += entry.cost
            assert entry.total == spent
        else:
            assert entry.remaining == remaining
            if entry.reason is Skip.DOES_NOT_FIT:
                assert entry.cost > remaining  # a skipped project never fits when it is skipped
            elif entry.reason is Skip.BELOW_MINIMUM:
                assert 0 < entry.support < minimum[entry.project]
            else:
                assert entry.support == 0
    assert spent == result.spent


@given(rounds(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_ballots_or_projects(
    round_: tuple[Decimal, list[Project], list[Approval], dict[str, Decimal]], rng: random.Random
) -> None:
    budget, projects, ballots, rules = round_
    shuffled_ballots, shuffled_projects = list(ballots), list(projects)
    rng.shuffle(shuffled_ballots)
    rng.shuffle(shuffled_projects)
    shuffled = allocate(budget, shuffled_projects, shuffled_ballots, **rules)
    assert shuffled == allocate(budget, projects, ballots, **rules)
