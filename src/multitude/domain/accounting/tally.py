"""Tallies: the validated contributions of a network that match a filter, grouped by everything
a rule's formula reads, with how many share each group.

A formula's value depends only on the variables it uses, so a rule is evaluated once per group
rather than once per contribution; the count restores the sum exactly. The in-memory tally
here is the definition; a store may answer the same question in SQL (a table that has a
`tally` method is asked directly), and the contract tests hold both to the same answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from multitude.domain.accounting.equation import Filter
from multitude.domain.accounting.rows import ContributionRow

__all__ = ["COLUMNS", "Group", "TallyQuery", "Tallying", "matches", "tally"]

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


@dataclass(frozen=True)
class TallyQuery:
    network: str
    filter: Filter
    columns: tuple[str, ...]  # contribution columns to group by, besides holder, contributor, action
    process: frozenset[str] | None = None  # only contributions to these processes
    resource: frozenset[str] | None = None  # only contributions naming these resources


@dataclass(frozen=True, order=True)
class Group:
    holder: str
    contributor: str
    action: str
    values: tuple[str, ...]  # in the order of TallyQuery.columns
    count: int


@runtime_checkable
class Tallying(Protocol):
    def tally(self, query: TallyQuery) -> list[Group]: ...


def matches(row: ContributionRow, query: TallyQuery) -> bool:
    """Whether a contribution is counted by the query (roles are checked by the caller)."""
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
    )


def _in_memory(rows: Iterable[ContributionRow], query: TallyQuery) -> list[Group]:
    counts: Counter[tuple[str, ...]] = Counter()
    for row in rows:
        if matches(row, query):
            counts[(row.holder, row.contributor, row.action, *(getattr(row, c) for c in query.columns))] += 1
    return sorted(Group(key[0], key[1], key[2], key[3:], count) for key, count in counts.items())


def tally(contributions: Mapping[Any, ContributionRow], query: TallyQuery) -> list[Group]:
    """The groups of `query`, sorted, from whatever holds the contributions."""
    if isinstance(contributions, Tallying):
        return contributions.tally(query)
    return _in_memory(contributions.values(), query)
