"""What a produced resource is worth: the rolled-up value of what went into the processes that
produced it, with its breakdown (by process, action and whose it is)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

from multitude.domain.accounting.bodies import ACTIONS
from multitude.domain.accounting.equation import Filter
from multitude.domain.accounting.quantities import EXACT
from multitude.domain.accounting.tally import TallyQuery, tally
from multitude.domain.state import State

__all__ = ["Input", "RolledUp", "rolled_up"]

_SHOWN = Context(prec=80, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Input:
    process: str
    action: str
    holder: str  # an agent, or "resource:<id>" for a tool used, a material consumed, a design cited
    count: int
    value: Decimal  # the part of it that went into this resource


@dataclass(frozen=True)
class RolledUp:
    total: Decimal
    inputs: tuple[Input, ...]  # largest first
    citations: tuple[tuple[str, str, Decimal], ...]  # (process, cited resource, percent)


def _producers(state: State, network: str, resource: str) -> dict[str, Fraction]:
    """The processes that produced `resource`, each with the share of its output that it is."""
    made: dict[str, dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))  # process -> resource -> quantity
    query = TallyQuery(network, Filter(actions=frozenset({"produce"})), ("process", "quantity"),
                       resource=frozenset({resource}), by_contributor=False)
    processes = {group.values[0] for group in tally(state.contributions, query) if group.values[0]}
    if not processes:
        return {}
    every_output = TallyQuery(network, Filter(actions=frozenset({"produce"})), ("process", "resource", "quantity"),
                              process=frozenset(processes), by_contributor=False)
    for group in tally(state.contributions, every_output):
        process, output, quantity = group.values
        made[process][output] += (Fraction(Decimal(quantity)) or Fraction(1)) * group.count
    return {process: outputs[resource] / sum(outputs.values(), Fraction(0)) for process, outputs in made.items()}


def _twelve_decimals(value: Fraction) -> Decimal:
    """A share of a value as a person reads it: exact to twelve decimals (the precision of a
    contribution's own value), rounded half to even beyond."""
    exact = _SHOWN.divide(Decimal(value.numerator), Decimal(value.denominator))
    return exact.quantize(Decimal("1E-12"), context=_SHOWN).normalize(_SHOWN) if exact else Decimal(0)


def rolled_up(state: State, network: str, resource: str) -> RolledUp | None:
    """The rolled-up value of a produced resource, or None when no process produced it."""
    producers = _producers(state, network, resource)
    if not producers:
        return None
    inputs = Filter(actions=frozenset(a for a in ACTIONS if a != "produce"))
    found: list[Input] = []
    citations: list[tuple[str, str, Decimal]] = []
    query = TallyQuery(network, inputs, ("process", "resource", "percent"), process=frozenset(producers),
                       sums=("value",), by_contributor=False)
    for group in tally(state.contributions, query):
        process, cited, percent = group.values
        if group.action == "cite" and percent != "0":
            citations.append((process, cited or "", Decimal(percent)))
            continue
        found.append(Input(process, group.action, group.holder, group.count,
                           _twelve_decimals(Fraction(group.sums[0]) * producers[process])))
    merged: dict[tuple[str, str, str], Input] = {}
    for item in found:  # one line per process, action and holder
        key = (item.process, item.action, item.holder)
        before = merged.get(key)
        merged[key] = item if before is None else Input(*key, before.count + item.count,
                                                        EXACT.add(before.value, item.value))
    ordered = sorted(merged.values(), key=lambda item: (-item.value, item.process, item.action, item.holder))
    total = Decimal(0)
    for item in ordered:
        total = EXACT.add(total, item.value)
    return RolledUp(total, tuple(ordered), tuple(sorted(citations)))
