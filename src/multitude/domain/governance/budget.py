"""Participatory budgeting: which projects a budget funds, from weighted approval ballots.

Here lives the greedy selection: projects in order of support (more support first, then the
cheaper, then the smaller id), each funded if it fits in what is left, skipped (not stopping
the round) if it does not, with a per-project minimum support and optional minimum and maximum
total spend. Money is exact Decimal, added in a context that refuses to round; support is an
exact Fraction; nothing here is ever a float. Who may vote, with what weight (delegation), and
how a round is recorded (events) do not belong here. The rules are written out for members in
docs/governance.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple

from multitude.domain.accounting.quantities import EXACT
from multitude.domain.governance.exact import exact

__all__ = ["Allocation", "Approval", "BudgetError", "Project", "Selected", "Skip", "Skipped", "allocate"]


class BudgetError(ValueError):
    """A budget, project, ballot or spend rule that cannot be counted; the message says which."""


@dataclass(frozen=True)
class Project:
    """A project put to the vote: its id, exact cost, and the support it needs to be funded at all."""

    id: str
    cost: Decimal | int
    min_support: Fraction | int = 0


@dataclass(frozen=True)
class Approval:
    """One approval ballot: the projects it approves, and the exact weight it carries."""

    projects: frozenset[str]
    weight: Fraction | int = 1

    def __post_init__(self) -> None:
        # Given a list or a set, a ballot still approves each project once, and cannot change later.
        object.__setattr__(self, "projects", frozenset(self.projects))


class Skip(StrEnum):
    """Why a project was not funded."""

    NO_SUPPORT = "no support"  # no ballot with a positive weight approves it
    BELOW_MINIMUM = "below its minimum support"
    DOES_NOT_FIT = "does not fit"  # its cost is more than what was left when its turn came


class Selected(NamedTuple):
    """A funded project: its support, its cost, and the spend so far with it (running total)."""

    project: str
    support: Fraction
    cost: Decimal
    total: Decimal


class Skipped(NamedTuple):
    """A project not funded, why, and what was left to spend when its turn came."""

    project: str
    support: Fraction
    cost: Decimal
    reason: Skip
    remaining: Decimal


@dataclass(frozen=True)
class Allocation:
    """The result of a round.

    `limit` is the most the round may spend (the budget, or the maximum spend when lower).
    `selected` lists the funded projects in selection order, `skipped` the others in the order
    their turn came; together they hold every project once. `spent` is the last running total,
    `unspent` what is left of the budget (not of the limit). `failure` is None, or says why the
    round fails (the minimum spend is not reached): then no project is funded, and `selected`
    only shows what would have been.
    """

    budget: Decimal
    limit: Decimal
    selected: tuple[Selected, ...]
    skipped: tuple[Skipped, ...]
    spent: Decimal
    unspent: Decimal
    failure: str | None


def allocate(
    budget: Decimal | int,
    projects: Iterable[Project],
    ballots: Iterable[Approval],
    *,
    max_spend: Decimal | int | None = None,
    min_spend: Decimal | int | None = None,
) -> Allocation:
    """Choose the projects `budget` funds, greedily by support, skipping those that do not fit.

    A project's support is the sum of the weights of the ballots that approve it. Projects are
    taken in order of support (highest first), ties going to the cheaper, then to the smaller id
    (string order). In turn, a project no ballot supports (support 0) or whose support is below
    its `min_support` is skipped; one whose cost is more than what is left of the limit
    (`max_spend` when given, else the budget) is skipped, and the round goes on with the next.
    If `min_spend` is given and the selected projects spend less, the round fails.

    The result depends only on the set of ballots and projects, never on their order.
    Raises BudgetError if an amount is not a finite Decimal or int >= 0 (bool and float are
    refused), a weight or minimum support is not a Fraction or int >= 0, two projects share an
    id, a ballot approves a project that is not in the round, `max_spend` exceeds the budget,
    or `min_spend` exceeds the limit.
    """
    total_budget = _money(budget, "budget")
    round_projects = _check_projects(projects)
    limit = total_budget
    if max_spend is not None:
        limit = _money(max_spend, "maximum spend")
        if limit > total_budget:
            raise BudgetError(f"maximum spend {limit} is more than the budget {total_budget}")
    floor = None if min_spend is None else _money(min_spend, "minimum spend")
    if floor is not None and floor > limit:
        raise BudgetError(f"minimum spend {floor} is more than the round may spend ({limit})")
    support = _support(round_projects, ballots)

    order = sorted(round_projects.values(), key=lambda p: (-support[p.id], p.cost, p.id))
    selected: list[Selected] = []
    skipped: list[Skipped] = []
    spent = Decimal(0)
    for project in order:
        cost = Decimal(project.cost)
        remaining = EXACT.subtract(limit, spent)
        backing = support[project.id]
        if backing == 0:
            skipped.append(Skipped(project.id, backing, cost, Skip.NO_SUPPORT, remaining))
        elif backing < project.min_support:
            skipped.append(Skipped(project.id, backing, cost, Skip.BELOW_MINIMUM, remaining))
        elif cost > remaining:
            skipped.append(Skipped(project.id, backing, cost, Skip.DOES_NOT_FIT, remaining))
        else:
            spent = EXACT.add(spent, cost)
            selected.append(Selected(project.id, backing, cost, spent))

    failure = None
    if floor is not None and spent < floor:
        failure = f"the selected projects spend {spent}, less than the minimum spend {floor}: the round fails"
    return Allocation(
        budget=total_budget,
        limit=limit,
        selected=tuple(selected),
        skipped=tuple(skipped),
        spent=spent,
        unspent=EXACT.subtract(total_budget, spent),
        failure=failure,
    )


def _money(amount: object, what: str) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise BudgetError(f"{what}: {amount!r} is not an exact amount (Decimal or int)")
    value = Decimal(amount)
    if not value.is_finite():
        raise BudgetError(f"{what}: {amount} is not a finite amount")
    if value < 0:
        raise BudgetError(f"{what}: {amount} is negative")
    return value


def _exact(number: object, what: str) -> Fraction:
    return exact(number, what, BudgetError)


def _check_projects(projects: Iterable[Project]) -> dict[str, Project]:
    """The projects by id, with their cost and minimum support checked and made exact."""
    checked: dict[str, Project] = {}
    for project in projects:
        if project.id in checked:
            raise BudgetError(f"project {project.id!r} is listed twice")
        checked[project.id] = Project(
            project.id,
            _money(project.cost, f"cost of project {project.id!r}"),
            _exact(project.min_support, f"minimum support of project {project.id!r}"),
        )
    return checked


def _support(projects: Mapping[str, Project], ballots: Iterable[Approval]) -> dict[str, Fraction]:
    support = {project: Fraction(0) for project in projects}
    for ballot in ballots:
        weight = _exact(ballot.weight, "ballot weight")
        for project in ballot.projects:
            if project not in support:
                raise BudgetError(f"a ballot approves {project!r}, which is not a project of this round")
            support[project] += weight
    return support
