"""Tallies: the validated contributions of a network that match a filter, grouped by what a
rule reads, with how many share each group and the exact sums of the columns it adds up.

A formula's value depends only on the variables it uses, so a rule is evaluated once per group
rather than once per contribution; the count restores the sum exactly. When a formula is
proportional to a column (`value * 2`), that column is added up instead of grouped by. The
in-memory tally here is the definition; a store answers the same question in SQL (a table
that has a `tally` method is asked directly), and the contract tests hold both to the same
answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from multitude.domain.accounting.equation import Filter
from multitude.domain.accounting.quantities import EXACT
from multitude.domain.accounting.rows import ContributionRow

__all__ = ["COLUMNS", "FILTER_COLUMNS", "SUMMABLE", "Group", "TallyQuery", "Tallying", "group_matches", "tally"]

# The contribution column each formula variable is read from (days_ago is computed from `day`).
COLUMNS: Mapping[str, str] = {
    "action": "action",
    "hours": "hours",
    "quantity": "quantity",
    "value": "value",
    "rate": "rate",
    "percent": "percent",
    "value_per_unit": "value_per_unit",
    "value_per_unit_of_use": "value_per_unit_of_use",
    "days_ago": "day",
    "skill": "skill",
    "spec": "spec",
}
SUMMABLE = ("value", "hours")  # columns a tally can add up exactly
FILTER_COLUMNS = {"specs": "spec", "skills": "skill", "tags": "tags", "since": "day", "until": "day"}


@dataclass(frozen=True)
class TallyQuery:
    network: str
    filter: Filter
    columns: tuple[str, ...]  # contribution columns to group by, besides holder, contributor, action
    process: frozenset[str] | None = None  # only contributions to these processes
    resource: frozenset[str] | None = None  # only contributions naming these resources
    plan: frozenset[str] | None = None  # only contributions to these plans
    without_process: bool = False  # only contributions to no process
    sums: tuple[str, ...] = ()  # columns of SUMMABLE to add up in each group
    by_contributor: bool = True  # False: contributors are not told apart (Group.contributor is "")


@dataclass(frozen=True, order=True)
class Group:
    holder: str
    contributor: str
    action: str
    values: tuple[str, ...]  # in the order of TallyQuery.columns
    count: int
    sums: tuple[Decimal, ...] = ()  # in the order of TallyQuery.sums

    def value(self, columns: tuple[str, ...], column: str) -> str:
        return self.action if column == "action" else self.values[columns.index(column)]


@runtime_checkable
class Tallying(Protocol):
    def tally(self, query: TallyQuery) -> Iterable[Group]: ...


def _matches(row: ContributionRow, query: TallyQuery) -> bool:
    where = query.filter
    return (
        row.network == query.network
        and row.status == "validated"
        and (where.actions is None or row.action in where.actions)
        and (where.specs is None or row.spec in where.specs)
        and (where.skills is None or row.skill in where.skills)
        and all(any(f",{tag}," in row.tags for tag in wanted) for wanted in where.tags)
        and (where.since is None or row.day >= where.since)
        and (where.until is None or row.day <= where.until)
        and (query.process is None or row.process in query.process)
        and (query.resource is None or row.resource in query.resource)
        and (query.plan is None or row.plan in query.plan)
        and (not query.without_process or row.process is None)
    )


def group_matches(group: Group, columns: tuple[str, ...], where: Filter) -> bool:
    """Whether a group (grouped by at least the columns `where` reads) passes `where`; roles
    are checked by the caller."""
    column = group.values.__getitem__
    return (
        (where.actions is None or group.action in where.actions)
        and (where.specs is None or column(columns.index("spec")) in where.specs)
        and (where.skills is None or column(columns.index("skill")) in where.skills)
        and all(any(f",{tag}," in column(columns.index("tags")) for tag in wanted) for wanted in where.tags)
        and (where.since is None or column(columns.index("day")) >= where.since)
        and (where.until is None or column(columns.index("day")) <= where.until)
    )


def _in_memory(rows: Iterable[ContributionRow], query: TallyQuery) -> list[Group]:
    found: dict[tuple[str, ...], list[Any]] = {}
    for row in rows:
        if _matches(row, query):
            who = row.contributor if query.by_contributor else ""
            key = (row.holder, who, row.action, *(getattr(row, c) for c in query.columns))
            entry = found.setdefault(key, [0, *(Decimal(0) for _ in query.sums)])
            entry[0] += 1
            for index, column in enumerate(query.sums, 1):
                entry[index] = EXACT.add(entry[index], Decimal(getattr(row, column)))
    return sorted((Group(key[0], key[1], key[2], key[3:], entry[0], tuple(entry[1:])) for key, entry in found.items()),
                  key=group_order)


def group_order(group: Group) -> tuple[Any, ...]:
    """How groups are ordered (a column that may hold no value sorts its None first)."""
    return (group.holder, group.contributor, group.action, tuple((v is not None, v or "") for v in group.values))


def tally(contributions: Mapping[Any, ContributionRow], query: TallyQuery) -> Iterable[Group]:
    """The groups of `query`, in no set order (those who need one sort by `group_order`), from
    whatever holds the contributions: a store streams them, so a million groups need not sit in
    memory at once."""
    if isinstance(contributions, Tallying):
        return contributions.tally(query)
    return _in_memory(contributions.values(), query)
