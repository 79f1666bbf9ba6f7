"""The projected state: tables of plain rows that the fold reads and writes.

Rows hold only text, integers and None, so that every store keeps them alike and the state
digest is the same everywhere. Each table is keyed by its first `key` columns. The fold works
on any mutable mappings; the projection layer hands it mappings that remember what changed and,
for tables keyed by more than one column, which keys share a value in a key column (`under`).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from multitude.domain.accounting.rows import (
    ClaimRow,
    ContributionRow,
    DistributionRow,
    EquationRow,
    IncomeRow,
    PayoutRow,
    ProcessRow,
    ResourceRow,
    VerdictRow,
)
from multitude.domain.governance.rows import (
    CommentRow,
    DelegationRow,
    ProposalRow,
    ProposalVersionRow,
    SpendingRow,
    VoteRow,
)

__all__ = [
    "TABLES",
    "AgentRow",
    "DeviceRow",
    "ForkedRow",
    "HeadRow",
    "MembershipRow",
    "NetworkRow",
    "RoleRow",
    "State",
    "Table",
    "under",
]


class AgentRow(NamedTuple):
    agent: str
    kind: str  # person | organisation
    name: str
    about: str
    skills: str  # canonical JSON list
    location: str
    links: str  # canonical JSON list
    event: str


class DeviceRow(NamedTuple):
    device: str
    agent: str
    label: str
    status: str  # linked | unlinked
    event: str


class NetworkRow(NamedTuple):
    network: str
    name: str
    purpose: str
    policy: str  # open | approval | invitation
    approver_role: str
    roles: str  # JSON list of every role that can be held: custodian, facilitator, then the charter's
    charter: str  # the whole charter, as canonical JSON
    founder: str
    event: str


class MembershipRow(NamedTuple):
    network: str
    member: str
    kind: str  # agent | network
    status: str  # requested | invited | member | declined | left | removed
    reason: str
    event: str  # the event that set the status
    since: str  # that event's time


class RoleRow(NamedTuple):
    network: str
    member: str
    role: str
    event: str


class HeadRow(NamedTuple):
    author: str
    seq: int
    event: str


class ForkedRow(NamedTuple):
    """An event kept off its author's chain: an equivocation or what was built on one."""

    event: str
    author: str
    seq: int


class Table(NamedTuple):
    name: str
    row: type[Any]
    key: int

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.row._fields)

    def int_columns(self) -> frozenset[str]:
        hints = typing.get_type_hints(self.row)
        return frozenset(name for name, kind in hints.items() if kind is int)


TABLES: tuple[Table, ...] = (
    Table("agents", AgentRow, 1),
    Table("devices", DeviceRow, 1),
    Table("networks", NetworkRow, 1),
    Table("memberships", MembershipRow, 2),
    Table("roles", RoleRow, 3),
    Table("heads", HeadRow, 1),
    Table("forked", ForkedRow, 1),
    Table("contributions", ContributionRow, 2),
    Table("verdicts", VerdictRow, 3),
    Table("resources", ResourceRow, 1),
    Table("processes", ProcessRow, 1),
    Table("equations", EquationRow, 2),
    Table("incomes", IncomeRow, 1),
    Table("distributions", DistributionRow, 1),
    Table("payouts", PayoutRow, 2),
    Table("claims", ClaimRow, 3),
    Table("proposals", ProposalRow, 1),
    Table("proposal_versions", ProposalVersionRow, 2),
    Table("comments", CommentRow, 2),
    Table("votes", VoteRow, 2),
    Table("delegations", DelegationRow, 3),
    Table("spendings", SpendingRow, 2),
)


@dataclass
class State:
    """All projected tables, each a mapping from its key tuple to its row."""

    agents: MutableMapping[tuple[str], AgentRow]
    devices: MutableMapping[tuple[str], DeviceRow]
    networks: MutableMapping[tuple[str], NetworkRow]
    memberships: MutableMapping[tuple[str, str], MembershipRow]
    roles: MutableMapping[tuple[str, str, str], RoleRow]
    heads: MutableMapping[tuple[str], HeadRow]
    forked: MutableMapping[tuple[str], ForkedRow]
    contributions: MutableMapping[tuple[str, str], ContributionRow]
    verdicts: MutableMapping[tuple[str, str, str], VerdictRow]
    resources: MutableMapping[tuple[str], ResourceRow]
    processes: MutableMapping[tuple[str], ProcessRow]
    equations: MutableMapping[tuple[str, str], EquationRow]
    incomes: MutableMapping[tuple[str], IncomeRow]
    distributions: MutableMapping[tuple[str], DistributionRow]
    payouts: MutableMapping[tuple[str, int], PayoutRow]
    claims: MutableMapping[tuple[str, str, str], ClaimRow]
    proposals: MutableMapping[tuple[str], ProposalRow]
    proposal_versions: MutableMapping[tuple[str, int], ProposalVersionRow]
    comments: MutableMapping[tuple[str, str], CommentRow]
    votes: MutableMapping[tuple[str, str], VoteRow]
    delegations: MutableMapping[tuple[str, str, str], DelegationRow]
    spendings: MutableMapping[tuple[str, str], SpendingRow]

    @classmethod
    def empty(cls) -> State:
        return cls(**{table.name: {} for table in TABLES})

    def table(self, name: str) -> MutableMapping[Any, Any]:
        mapping: MutableMapping[Any, Any] = getattr(self, name)
        return mapping


def under(table: Mapping[Any, Any], value: str, column: int = 0) -> Iterable[Any]:
    """The rows of `table` whose key has `value` in its `column` (by default the first: a
    proposal's votes, a network's members; the second of memberships: a member's networks),
    looked up in the table's own grouping when it keeps one, else found by a scan."""
    grouped = getattr(table, "under", None)
    if grouped is not None:
        return map(table.__getitem__, grouped(value, column))
    return [row for key, row in table.items() if key[column] == value]
