"""Valuing contributions: a rule's formula applied to a tally group, whose value it is (the
contributor, or whoever lent or paid for a resource), and what leavers keep."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from fractions import Fraction

from multitude.domain.accounting.equation import Rule
from multitude.domain.accounting.formula import FormulaError
from multitude.domain.accounting.tally import COLUMNS, Group
from multitude.domain.networks.rules import charter_of
from multitude.domain.state import State, under

__all__ = [
    "LARGEST_VALUE",
    "SMALLEST_VALUE",
    "DistributionError",
    "columns_for",
    "holders",
    "leavers",
    "role_check",
    "value_of",
    "worth",
]

_TEXT = ("action", "skill", "spec")
LARGEST_VALUE = Decimal("1E30")
SMALLEST_VALUE = Decimal("1E-30")
_QUANTIZE = Context(prec=100, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation])


class DistributionError(ValueError):
    """The equation cannot split this income on this network's data (e.g. a division by zero)."""


def columns_for(rule: Rule) -> tuple[str, ...]:
    """The contribution columns a rule's tally groups by: what its formula reads, and the value
    (what a bad leaver's cash counts at face)."""
    return tuple(dict.fromkeys([COLUMNS[name] for name in sorted(rule.formula.variables)] + ["value"]))


def value_of(rule: Rule, columns: tuple[str, ...], group: Group, day: str,
             fixed: Mapping[str, Decimal] | None = None) -> Decimal:
    """The value `rule` gives one contribution of `group`, on calendar day `day`; variables in
    `fixed` take the value given there instead."""
    env: dict[str, Decimal | str | bool] = dict(fixed or {})
    for name in rule.formula.variables:
        if name in env:
            continue
        raw = group.action if name == "action" else group.values[columns.index(COLUMNS[name])]
        if name == "days_ago":
            env[name] = Decimal((datetime.date.fromisoformat(day) - datetime.date.fromisoformat(raw)).days)
        elif name in _TEXT:
            env[name] = raw
        else:
            env[name] = Decimal(raw or 0)
    try:
        value = rule.formula.evaluate(env)
    except FormulaError as error:
        raise DistributionError(f"{rule.where}: {error}") from None
    assert isinstance(value, Decimal)
    if value < 0:
        raise DistributionError(f"{rule.where}: the formula gives {value} for a {group.action} contribution; "
                                "values may not be negative")
    if value >= LARGEST_VALUE:
        raise DistributionError(f"{rule.where}: the formula gives {value} for a {group.action} contribution; "
                                f"a value must be below {LARGEST_VALUE:.0E}")
    # Thirty decimals, rounded half to even in a pinned context: every node gets the same digits,
    # and the values' sums stay exact.
    return value.quantize(SMALLEST_VALUE, context=_QUANTIZE)


def worth(value: Decimal, group: Group, columns: tuple[str, ...], standing: str | None) -> Decimal | None:
    """What one contribution of `group` counts for an agent of this `standing` (None: a member;
    good or bad: a leaver): a bad leaver keeps cash without multiplier and forfeits the rest."""
    if standing != "bad":
        return value
    if group.action != "transfer":
        return None
    return min(value, Decimal(group.values[columns.index("value")]))


def holders(state: State, network: str, holder: str) -> list[tuple[str, Fraction]]:
    """Whose a contribution's value is: the contributor, or for a resource used, consumed or
    cited, whoever lent it or paid for it (the network itself when it owns it)."""
    if not holder.startswith("resource:"):
        return [(holder, Fraction(1))]
    resource = state.resources.get((holder[len("resource:"):],))
    if resource is None:
        return [(network, Fraction(1))]
    if resource.contributed:
        return [(resource.custodian, Fraction(1))]
    funders: dict[str, Fraction] = defaultdict(Fraction)
    for transfer in json.loads(resource.funded_by):
        row = state.contributions.get((network, transfer))
        while row is not None and row.status == "corrected":  # the correction stands for it
            row = state.contributions.get((network, row.event))
        if row is not None and row.status == "validated" and row.action == "transfer":
            funders[row.contributor] += Fraction(Decimal(row.value))
    total = sum(funders.values(), Fraction(0))
    if total == 0:
        return [(network, Fraction(1))]
    return [(agent, part / total) for agent, part in sorted(funders.items())]


def role_check(state: State, network: str, agent: str) -> Callable[[str], bool]:
    """Whether `agent` holds a role in `network`, one role at a time."""
    return lambda role: (network, agent, role) in state.roles


def leavers(state: State, network: str) -> dict[str, str]:
    """good or bad, for every agent who left the network or was removed from it."""
    row = state.networks.get((network,))
    if row is None:
        return {}
    policy = charter_of(row).leavers
    standing: dict[str, str] = {}
    for membership in under(state.memberships, network):
        if membership.status in ("left", "removed"):
            standing[membership.member] = policy.left if membership.status == "left" else policy.removed
    return standing
