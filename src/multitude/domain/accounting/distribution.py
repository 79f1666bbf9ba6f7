"""Distribution: an income split by a network's value equation, exactly, with a reason for
every line.

Per network, bucket by bucket: a `straight` bucket takes its percent of the income, a
`remaining` bucket its percent of what the buckets before it did not pay out. A bucket with a
recipient pays it all; a bucket with rules values each matching validated contribution by its
rule's formula and splits in proportion to the value per agent (debts paid until settled and
never beyond; one-time claims counted once). What no bucket pays out is kept by the network.
Shares are exact fractions; rounding to the currency's minor unit happens twice, each time by
largest remainder: the income among the buckets, then each bucket's part among its claims, so
the lines add up to the income exactly. A line to a member network is split again by that
network's own equation, all the way down. An income paid for a resource, process or plan
follows what made it (see rollup).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact
from fractions import Fraction
from functools import lru_cache

from multitude.domain.accounting.apportion import ApportionError, apportion, apportion_capped, minor_unit
from multitude.domain.accounting.equation import Bucket, Equation, Rule, parse_equation
from multitude.domain.accounting.flow import FlowError
from multitude.domain.accounting.quantities import EXACT
from multitude.domain.accounting.rollup import CITATIONS, Target, rollup
from multitude.domain.accounting.rows import EquationRow
from multitude.domain.accounting.valuation import DistributionError, leavers
from multitude.domain.accounting.valued import Valued, value_rules
from multitude.domain.networks.rules import charter_of
from multitude.domain.state import State

__all__ = ["ClaimChange", "DistributionError", "Line", "Split", "Target", "equation_in_force", "split_income"]

_ROUNDING = Context(prec=400)  # for showing a value rounded, and a value counted to twelve decimals
_FOUR = Decimal("0.0001")
_MAX_DEPTH = 32  # member networks nest at most this deep (membership has no cycles)


@dataclass(frozen=True)
class Line:
    """An amount paid to a recipient, by which network's equation, and why."""

    recipient: str
    amount: Decimal
    network: str
    bucket: str
    claim: str  # equity | debt | once | recipient | kept
    basis: str


@dataclass(frozen=True)
class ClaimChange:
    """New totals of what an agent's debt or one-time claims in a network have counted and been paid."""

    network: str
    agent: str
    kind: str
    counted: Decimal
    paid: Decimal


@dataclass(frozen=True)
class Split:
    lines: tuple[Line, ...]
    claims: tuple[ClaimChange, ...]
    contributions_digest: str
    result_digest: str

    def payouts(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            totals[line.recipient] = EXACT.add(totals[line.recipient], line.amount)
        return dict(sorted(totals.items()))


@dataclass
class _Draft:
    recipient: str
    exact: Fraction | Decimal  # the claim's weight (its value), or what it is paid once caps are applied
    bucket: str
    claim: str
    basis: str
    cap: Fraction | None = None  # a debt: what it is owed as the split is planned
    counted: Decimal = Decimal(0)  # value counted by a debt or one-time claim
    value: Fraction = Fraction(0)  # a debt: all it was valued, which payments never exceed


@dataclass
class _Context:
    state: State
    day: str
    document: str | None  # an equation to use instead of the top network's own
    target: Target | None  # the resource, process or plan the income paid for
    top: str = ""
    settles_debts: bool = True  # the income is in the currency debts are counted in
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)
    equations: dict[str, Equation] = field(default_factory=dict)  # by network, as used in this split
    valued: dict[str, dict[str, Valued]] = field(default_factory=dict)
    # (network, agent, kind) -> (counted, paid) so far, this split included: a debt valued by two
    # buckets, or a member network paid by two buckets, must see what the first one paid.
    claims: dict[tuple[str, str, str], tuple[Decimal, Decimal]] = field(default_factory=dict)

    # What earlier buckets of this split plan to pay (debts) or count (one-time claims), exactly,
    # so a later bucket that values the same claim plans only what is left of it.
    planned: dict[tuple[str, str, str], Fraction] = field(default_factory=dict)

    def claim(self, key: tuple[str, str, str]) -> tuple[Decimal, Decimal]:
        if key in self.claims:
            return self.claims[key]
        row = self.state.claims.get(key)
        return (Decimal(row.counted), Decimal(row.paid)) if row else (Decimal(0), Decimal(0))


@lru_cache(maxsize=64)
def _parsed(document: str) -> Equation:
    return parse_equation(document)


def _settles_debts(state: State, network: str, currency: str | None) -> bool:
    row = state.networks.get((network,))
    if currency is None or row is None:
        return True
    currencies = charter_of(row).currencies
    return not currencies or currencies[0].code == currency


def equation_in_force(state: State, network: str) -> EquationRow | None:
    found = [row for key, row in state.equations.items() if key[0] == network and row.in_force]
    return found[0] if found else None


def split_income(state: State, network: str, amount: Decimal, decimals: int, day: str,
                 document: str | None = None, target: Target | None = None, currency: str | None = None) -> Split:
    """Split `amount` (whole minor units of a currency with `decimals`) received by `network`,
    as the state stands, on calendar day `day` (YYYY-MM-DD); by the equation in force, or by
    the equation `document` when one is given (a preview or a comparison). An income paid for
    a resource, process or plan (`target`) goes, within the top network's rule buckets, to
    those whose contributions made it. Debts are counted in the network's first currency, so
    they take part only in the split of an income in that `currency` (None: assume it is)."""
    if amount <= 0 or EXACT.scaleb(amount, decimals) != EXACT.scaleb(amount, decimals).to_integral_value():
        raise DistributionError(f"{amount} is not a positive whole number of minor units ({minor_unit(decimals)})")
    context = _Context(state, day, document, target, network, settles_debts=_settles_debts(state, network, currency))
    try:
        lines = list(_split(context, network, amount, decimals, 0, ()))
    except (ApportionError, FlowError) as error:  # inputs the split cannot use, said as a refusal
        raise DistributionError(str(error)) from None
    result = hashlib.sha256()
    for line in lines:
        result.update(json.dumps([line.recipient, format(line.amount, "f"), line.network, line.bucket,
                                  line.claim]).encode())
    claims = tuple(ClaimChange(*key, counted, paid) for key, (counted, paid) in sorted(context.claims.items()))
    return Split(tuple(lines), claims, context.digest.hexdigest(), result.hexdigest())


def _split(context: _Context, network: str, amount: Decimal, decimals: int, depth: int,
           path: tuple[str, ...]) -> Iterator[Line]:
    """The lines of `amount` received by `network`: first the income is shared among the buckets
    (and what they leave, which the network keeps), then each bucket's part among its claims."""
    if depth > _MAX_DEPTH:
        raise DistributionError("member networks nest too deep")
    row = equation_in_force(context.state, network)
    document = context.document if depth == 0 and context.document is not None else row.document if row else None
    portions: list[_Portion] = []
    total = Fraction(amount)
    paid_out = Fraction(0)
    if document is None:
        basis = "the network has no value equation in force, so it keeps the income"
    else:
        equation = _parsed(document)
        context.equations[network] = equation
        context.digest.update(f"{network}\t{equation.digest}\n".encode())
        for bucket in equation.buckets:
            base = total if bucket.mode == "straight" else total - paid_out
            portion = _bucket(context, network, bucket, base * Fraction(bucket.percent) / 100)
            portions.append(portion)
            paid_out += portion.exact
        basis = f"what the buckets of {equation.name!r} (version {equation.version}) did not pay out"
    keys = [f"{index:04d}" for index in range(len(portions))]
    parts = apportion(amount, {**dict(zip(keys, (p.exact for p in portions), strict=True)),
                               "kept": total - paid_out}, decimals)
    kept = parts["kept"]
    for key, portion in zip(keys, portions, strict=True):
        paid, leftover = portion.share(parts[key], decimals, context, network)
        kept = EXACT.add(kept, leftover)  # what rounding could not give a settled debt
        for draft, amount_paid in paid:
            if amount_paid == 0:
                continue  # a claim paid nothing (a share rounded away) is not counted either
            if draft.claim in ("debt", "once"):
                _record_claim(context, network, draft, amount_paid)
            is_network = (draft.recipient,) in context.state.networks and draft.recipient != network
            if is_network and draft.recipient not in path:
                yield from _split(context, draft.recipient, amount_paid, decimals, depth + 1, (*path, network))
            else:
                yield Line(draft.recipient, amount_paid, network, draft.bucket, draft.claim, draft.basis)
    if kept:
        yield Line(network, kept, network, "", "kept", basis)


@dataclass
class _Portion:
    """What one bucket pays out: its exact amount, and the claims that share it by weight."""

    exact: Fraction
    drafts: list[_Draft]

    def share(self, units: Decimal, decimals: int, context: _Context,
              network: str) -> tuple[list[tuple[_Draft, Decimal]], Decimal]:
        """The bucket's rounded part shared among its claims by largest remainder, no debt
        beyond what is still owed once what earlier lines paid is counted; and what is left
        (only when every claim is capped)."""
        if not self.drafts:
            return [], units
        keys = [f"{index:06d}" for index in range(len(self.drafts))]
        weights = dict(zip(keys, (d.exact for d in self.drafts), strict=True))
        caps = {}
        for key, draft in zip(keys, self.drafts, strict=True):
            if draft.cap is not None:
                paid = Fraction(context.claim((network, draft.recipient, draft.claim))[1])
                caps[key] = _floor_units(min(draft.cap, max(draft.value - paid, Fraction(0))), decimals)
        if caps:
            amounts, leftover = apportion_capped(units, weights, caps, decimals)
        else:
            amounts, leftover = apportion(units, weights, decimals), Decimal(0)
        return [(draft, amounts[key]) for key, draft in zip(keys, self.drafts, strict=True)], leftover


def _floor_units(value: Fraction, decimals: int) -> Decimal:
    scale = 10**decimals
    return EXACT.scaleb(Decimal(value.numerator * scale // value.denominator), -decimals)


def _record_claim(context: _Context, network: str, draft: _Draft, paid: Decimal) -> None:
    key = (network, draft.recipient, draft.claim)
    counted, so_far = context.claim(key)
    context.claims[key] = (EXACT.add(counted, draft.counted), EXACT.add(so_far, paid))


def _bucket(context: _Context, network: str, bucket: Bucket, share: Fraction) -> _Portion:
    if share == 0:
        return _Portion(Fraction(0), [])
    if bucket.recipient is not None:
        recipient = network if bucket.recipient == "network" else bucket.recipient
        claim = "kept" if recipient == network else "recipient"
        what = f"{bucket.percent}% {bucket.mode} to a fixed recipient"
        return _Portion(share, [_Draft(recipient, Fraction(1), bucket.name, claim, what)])
    if context.target is not None and context.top == network:
        drafts, taken = _targeted(context, network, bucket, context.target)
        return _planned(context, network, _fill(share * taken, drafts))
    return _planned(context, network, _fill(share, _claims(context, network, bucket)))


def _planned(context: _Context, network: str, portion: _Portion) -> _Portion:
    """Note what a bucket plans to pay its debts, for the buckets after it."""
    for draft in portion.drafts:
        if draft.claim == "debt" and draft.cap is not None:
            key = (network, draft.recipient, "debt")
            context.planned[key] = context.planned.get(key, Fraction(0)) + Fraction(draft.exact)
    return portion


def _fill(share: Fraction, claims: list[_Draft]) -> _Portion:
    """What a bucket of `share` pays its claims, sharing in proportion to their weights with
    none beyond its cap (water-filling): what capped claims cannot take goes to the others;
    what nobody can take is not paid out by this bucket."""
    active = [c for c in claims if c.exact > 0]
    if not any(c.cap is not None for c in active):
        return _Portion(share if active else Fraction(0), active)
    paid: list[_Draft] = []
    remaining = share
    while active:
        weight = sum((Fraction(c.exact) for c in active), Fraction(0))
        level = remaining / weight
        capped = [c for c in active if c.cap is not None and c.cap <= Fraction(c.exact) * level]
        if not capped:
            paid.extend(_with(c, Fraction(c.exact) * level) for c in active)
            return _Portion(share, paid)
        for claim in capped:
            assert claim.cap is not None
            paid.append(_with(claim, claim.cap))
            remaining -= claim.cap
        active = [c for c in active if c not in capped]
    return _Portion(share - remaining, paid)


def _with(claim: _Draft, exact: Fraction) -> _Draft:
    return _Draft(claim.recipient, exact, claim.bucket, claim.claim, claim.basis, claim.cap, claim.counted,
                  claim.value)


def _claims(context: _Context, network: str, bucket: Bucket) -> list[_Draft]:
    """The bucket's claims: per agent, one for each equity rule, and one for all the debt rules
    (and one for all the one-time rules) together, since what such a claim was counted and paid
    is kept per agent and bucket."""
    drafts: list[_Draft] = []
    bounded = _Bounded()
    for rule in bucket.rules:
        valued = _valued(context, network)[rule.where]
        for agent in valued.agents():
            total = valued.total(agent)
            if rule.cap_per_agent is not None and total > rule.cap_per_agent:
                total = rule.cap_per_agent
            what = f"{_plural(valued.counts[agent])} valued {_shown(total)} by {rule.formula.text!r} ({rule.where})"
            if rule.claim == "equity":
                drafts.append(_claim(context, network, bucket, "equity", agent, total, what))
            else:
                bounded.add(agent, rule.claim, total, what)
    drafts.extend(bounded.drafts(context, network, bucket))
    return [d for d in drafts if d.exact > 0]


@dataclass
class _Bounded:
    """Debt and one-time claims of a bucket, gathered per agent and kind across its rules."""

    values: dict[tuple[str, str], Fraction | Decimal] = field(default_factory=dict)
    parts: dict[tuple[str, str], Fraction] = field(default_factory=dict)
    limits: dict[tuple[str, str], Fraction] = field(default_factory=dict)  # in a rollup: the value it pays for
    reasons: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, agent: str, kind: str, value: Fraction | Decimal, what: str, part: Fraction | None = None,
            limit: Fraction | None = None) -> None:
        key = (agent, kind)
        before = self.values.get(key)
        self.values[key] = value if before is None else Fraction(before) + Fraction(value)
        if part is not None:
            self.parts[key] = self.parts.get(key, Fraction(0)) + part
        if limit is not None:
            self.limits[key] = self.limits.get(key, Fraction(0)) + limit
        self.reasons.setdefault(key, []).append(what)

    def drafts(self, context: _Context, network: str, bucket: Bucket) -> list[_Draft]:
        return [_claim(context, network, bucket, kind, agent, value, "; ".join(self.reasons[(agent, kind)]),
                       part=self.parts.get((agent, kind)), limit=self.limits.get((agent, kind)))
                for (agent, kind), value in sorted(self.values.items())]


def _valued(context: _Context, network: str) -> dict[str, Valued]:
    """Every rule's values in `network`, tallied once per split."""
    if network not in context.valued:
        context.valued[network] = value_rules(
            context.state, network, context.equations[network].formulas(), context.day,
            lambda text: context.digest.update(f"{network}\t{text}\n".encode()),
        )
    return context.valued[network]


def _targeted(context: _Context, network: str, bucket: Bucket, target: Target) -> tuple[list[_Draft], Fraction]:
    """Claims on an income paid for a resource, process or plan: each agent's share of what made
    it, and the part of the bucket they (and the network, for what it owns) take; the rest is
    not this bucket's to pay."""
    state = context.state
    shares, owned = rollup(state, network, bucket, target, context.day, leavers(state, network),
                           lambda text: context.digest.update(f"{text}\n".encode()))
    drafts = []
    bounded = _Bounded()
    for share in sorted(shares, key=lambda s: (s.rule, s.agent)):
        if share.rule == CITATIONS:
            what = f"{_shown(share.part * 100)}% of what made it, through {share.via}"
            drafts.append(_Draft(share.agent, share.part, bucket.name, "equity", what))
            continue
        rule = bucket.rules[share.rule]
        what = f"{_shown(share.part * 100)}% of what made it, through {share.via} ({rule.where})"
        if rule.claim == "equity":
            drafts.append(_Draft(share.agent, share.part, bucket.name, "equity", what))
        else:
            bounded.add(share.agent, rule.claim, _agent_value(context, network, rule, share.agent), what, share.part,
                        share.value)
    drafts.extend(bounded.drafts(context, network, bucket))
    drafts = [d for d in drafts if d.exact > 0]
    if owned:
        drafts.append(_Draft(network, owned, bucket.name, "kept",
                             f"{_shown(owned * 100)}% of what made it is the network's own"))
    return drafts, sum((Fraction(d.exact) for d in drafts), Fraction(0))


def _agent_value(context: _Context, network: str, rule: Rule, agent: str) -> Fraction | Decimal:
    """All an agent's value under a debt or one-time rule (what bounds such a claim)."""
    if rule.claim == "equity":
        return Decimal(0)
    total = _valued(context, network)[rule.where].total(agent)
    return min(total, rule.cap_per_agent) if rule.cap_per_agent is not None else total


def _plural(count: int) -> str:
    return f"{count} contribution{'s' if count != 1 else ''}"


def _shown(value: Fraction | Decimal) -> str:
    """A value as a person reads it: exact when short, else to four decimals with '≈'."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        value = _ROUNDING.divide(Decimal(value.numerator), Decimal(value.denominator))
    rounded = value.quantize(_FOUR, context=_ROUNDING)
    text = format(rounded.normalize(_ROUNDING), "f") if rounded else "0"
    return text if rounded == value else f"≈{text}"


def _claim(context: _Context, network: str, bucket: Bucket, kind: str, agent: str, value: Fraction | Decimal,
           what: str, part: Fraction | None = None, limit: Fraction | None = None) -> _Draft:
    """A claim of `kind`, where `value` is all the agent's value under the rule: an equity claim
    weighs its value, a one-time claim what was not counted before, a debt what is still owed
    (and never gets more). With `part` (an income for something made), the claim weighs that
    share of it instead, still bounded as its kind says; a one-time claim then counts at most
    `limit`, the value of the agent's inputs to what was paid for."""
    if kind == "equity":
        return _Draft(agent, value if part is None else part, bucket.name, "equity", what)
    exact = Fraction(value)
    counted_before, paid_before = context.claim((network, agent, kind))
    counted = Fraction(counted_before)
    key = (network, agent, kind)
    if kind == "once":
        fresh = max(exact - counted - context.planned.get(key, Fraction(0)), Fraction(0))
        if limit is not None:  # a rollup counts only the value that went into what it paid for
            fresh = min(fresh, limit)
        weight = (fresh if part is None else part) if fresh > 0 else Fraction(0)
        if weight:
            context.planned[key] = context.planned.get(key, Fraction(0)) + fresh
        return _Draft(agent, weight, bucket.name, "once", f"{what}; {_shown(counted)} counted before",
                      counted=_decimal(fresh))
    paid = Fraction(paid_before)
    owed = max(exact - paid - context.planned.get(key, Fraction(0)), Fraction(0))
    if not context.settles_debts:  # owed in another currency: this income does not repay it
        return _Draft(agent, Fraction(0), bucket.name, "debt", what)
    weight = (owed if part is None else part) if owed > 0 else Fraction(0)
    return _Draft(agent, weight, bucket.name, "debt", f"{what}; {_shown(paid)} repaid before, {_shown(owed)} owed",
                  cap=owed, counted=_decimal(exact - counted), value=exact)


def _decimal(value: Fraction) -> Decimal:
    """A value counted by a claim: exact when it is a finite decimal (the usual case: sums of
    formula results), else to twelve decimals (a share of a resource bought by several)."""
    if value.denominator == 1:
        return Decimal(value.numerator)
    try:
        return EXACT.divide(Decimal(value.numerator), Decimal(value.denominator))
    except Inexact:
        return _ROUNDING.divide(Decimal(value.numerator), Decimal(value.denominator)).quantize(
            Decimal(1).scaleb(-12), context=_ROUNDING)
