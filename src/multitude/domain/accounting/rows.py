"""The accounting tables of the projected state. Like every state row, text and integers only;
amounts are canonical decimal strings."""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "ClaimRow",
    "ContributionRow",
    "DistributionRow",
    "EquationRow",
    "IncomeRow",
    "PayoutRow",
    "ProcessRow",
    "ResourceRow",
    "VerdictRow",
]


class ContributionRow(NamedTuple):
    network: str
    contribution: str
    contributor: str
    holder: str  # whose the value is: the contributor, or the resource used, consumed or cited
    action: str
    hours: str
    quantity: str
    value: str  # the contribution's own value (see equation.VARIABLES)
    value_high: int  # the value again, as integers a database adds up exactly and far from
    value_low: int  # overflowing: whole units ÷ 10^9 and mod 10^9, and millionths of millionths
    value_pico: int
    hours_micro: int  # hours in millionths
    rate: str
    percent: str
    value_per_unit: str
    value_per_unit_of_use: str
    skill: str
    spec: str
    resource: str | None  # None rather than "" when there is none, so that an index of the
    process: str | None  # contributions that have one stays small (and is used)
    plan: str
    tags: str  # ",tag,other," so that one tag is found with LIKE '%,tag,%'
    day: str  # YYYY-MM-DD it was given
    status: str  # pending | validated | flagged | retracted | corrected
    approvals: int
    flags: int
    event: str  # the event that last changed the row


class VerdictRow(NamedTuple):
    """One member's current verdict on a contribution (a later verdict replaces an earlier one)."""

    network: str
    contribution: str
    validator: str
    verdict: str  # approved | flagged
    reason: str
    event: str


class ResourceRow(NamedTuple):
    resource: str
    network: str
    name: str
    spec: str
    unit: str
    value_per_unit: str
    value_per_unit_of_use: str
    custodian: str
    contributed: int  # 1 when the custodian lent or gave it, so its use pays them
    funded_by: str  # JSON list of the transfers that bought it
    event: str


class ProcessRow(NamedTuple):
    process: str
    network: str
    name: str
    plan: str
    event: str


class EquationRow(NamedTuple):
    network: str
    equation: str  # the adopting event's id
    name: str
    version: int
    digest: str
    document: str
    in_force: int  # 1 for the equation the network uses now
    event: str


class IncomeRow(NamedTuple):
    income: str
    network: str
    amount: str
    currency: str
    source: str
    resource: str
    process: str
    plan: str
    distribution: str  # the distribution that split it, once there is one
    event: str


class DistributionRow(NamedTuple):
    distribution: str
    network: str
    income: str
    equation: str
    amount: str
    currency: str
    contributions_digest: str
    result_digest: str
    event: str


class PayoutRow(NamedTuple):
    """One line of a distribution: an amount to a recipient, and why."""

    distribution: str
    line: int
    recipient: str
    amount: str
    network: str  # the network whose equation paid it (the top one, or a member network)
    bucket: str
    claim: str  # equity | debt | once | recipient | kept
    basis: str  # how it was reached, for a person to read
    event: str


class ClaimRow(NamedTuple):
    """What an agent's debt-like (or one-time) claims in a network have counted and been paid,
    whatever bucket paid them and whatever the equation was called then."""

    network: str
    agent: str
    kind: str  # debt | once
    counted: str  # value counted so far
    paid: str  # amount paid so far
    event: str
