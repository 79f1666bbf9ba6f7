"""The value of every agent's contributions under each rule of an equation, from one tally.

All the rules of a network's equation are answered by a single tally, read once: grouped by
what any rule reads or filters on, adding up (instead of grouping by) a column that every rule
using it is proportional to. Each rule keeps the groups its filter admits and values them; a
group proportional to the summed column is valued as f(1) × the sum, and a formula is
evaluated once for all the groups that give it the same variables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from multitude.domain.accounting.equation import Filter, Rule
from multitude.domain.accounting.quantities import EXACT, decimal_text
from multitude.domain.accounting.tally import COLUMNS, FILTER_COLUMNS, SUMMABLE, Group, TallyQuery, group_matches, tally
from multitude.domain.accounting.valuation import holders, leavers, role_check, value_of
from multitude.domain.state import State

__all__ = ["Valued", "value_rules"]



@dataclass
class Valued:
    """One rule's value per agent, and how many contributions it counted."""

    whole: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    shared: dict[str, Fraction] = field(default_factory=lambda: defaultdict(Fraction))  # bought by several
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def agents(self) -> list[str]:
        return sorted(set(self.whole) | set(self.shared))

    def total(self, agent: str) -> Decimal | Fraction:
        """Exact: a Decimal, unless part of it came through a resource bought by several."""
        whole = self.whole.get(agent, Decimal(0))
        if agent not in self.shared:
            return whole
        return Fraction(whole) + self.shared[agent]


@dataclass(frozen=True)
class _Plan:
    columns: tuple[str, ...]
    sums: tuple[str, ...]
    summed: dict[str, str | None]  # rule.where -> the column it is valued by sum of, if any


def _filter_columns(where: Filter) -> set[str]:
    used = set()
    for name, column in FILTER_COLUMNS.items():
        if getattr(where, name) not in (None, ()):
            used.add(column)
    return used


def _plan(rules: Sequence[Rule]) -> _Plan:
    choice: dict[str, str | None] = {}
    grouped: set[str] = set()
    for rule in rules:
        proportional = [c for c in SUMMABLE if c in rule.formula.proportional_to]
        choice[rule.where] = proportional[0] if proportional else None
        reads = {COLUMNS[name] for name in rule.formula.variables} - {"action"}
        grouped |= (reads - {choice[rule.where]}) | _filter_columns(rule.filter)
    summed = {where: column if column not in grouped else None for where, column in choice.items()}
    sums = tuple(c for c in SUMMABLE if c == "value" or c in summed.values())
    return _Plan(tuple(sorted(grouped)), sums, summed)


def _actions(rules: Sequence[Rule]) -> frozenset[str] | None:
    if any(rule.filter.actions is None for rule in rules):
        return None
    return frozenset().union(*(rule.filter.actions or () for rule in rules))


def value_rules(state: State, network: str, rules: Sequence[Rule], day: str,
                record: Callable[[str], None]) -> dict[str, Valued]:
    """Each rule's values (by `rule.where`), from the network's validated contributions, read
    in one pass; `record` is told what each rule counted for each agent (the contributions
    digest), in a set order whatever order the groups came in."""
    if not rules:
        return {}
    plan = _plan(rules)
    by_contributor = any(rule.filter.roles for rule in rules)  # else the holder is all that matters
    query = TallyQuery(network, Filter(actions=_actions(rules)), plan.columns, sums=plan.sums,
                       by_contributor=by_contributor)
    standing = leavers(state, network)
    owners: dict[str, list[tuple[str, Fraction]]] = {}
    result = {rule.where: Valued() for rule in rules}
    each: list[dict[tuple[str, tuple[str, ...]], Decimal]] = [{} for _ in rules]  # a formula's value, by group
    for group in tally(state.contributions, query):
        if group.holder not in owners:
            owners[group.holder] = holders(state, network, group.holder)
        for rule, known in zip(rules, each, strict=True):
            if not group_matches(group, plan.columns, rule.filter) or not rule.filter.holds(
                role_check(state, network, group.contributor)
            ):
                continue
            summed = plan.summed[rule.where]
            key = (group.action, group.values)
            if key not in known:
                known[key] = value_of(rule, plan.columns, group, day, {summed: Decimal(1)} if summed else {})
            amount = EXACT.multiply(known[key], group.sums[plan.sums.index(summed)] if summed else group.count)
            _add(result[rule.where], group, amount, group.sums[plan.sums.index("value")], owners[group.holder],
                 standing)
    for rule in rules:
        valued = result[rule.where]
        for agent in valued.agents():
            record(f"{rule.where}\t{agent}\t{valued.counts[agent]}\t{_exact_text(valued.total(agent))}")
    return result


def _exact_text(value: Decimal | Fraction) -> str:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return decimal_text(value)


def _add(valued: Valued, group: Group, amount: Decimal, face: Decimal, owners: list[tuple[str, Fraction]],
         standing: dict[str, str]) -> None:
    """Count `amount` (the group's value under a rule) for whoever it belongs to."""
    for agent, part in owners:
        if standing.get(agent) == "bad":  # a bad leaver keeps cash without multiplier, nothing else
            if group.action != "transfer":
                continue
            counted = min(amount, face)
        else:
            counted = amount
        if part == 1:
            valued.whole[agent] = EXACT.add(valued.whole[agent], counted)
        else:
            valued.shared[agent] += Fraction(counted) * part
        valued.counts[agent] += group.count
