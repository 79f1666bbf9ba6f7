"""The claims of a bucket: who it may pay, in what proportion, and within what bounds.

A bucket's claims are one per agent and equity rule, and one per agent for all its debt rules
(and one for its one-time rules): what such a claim has counted and been paid is kept per agent
and network. `fill` shares a bucket's exact part among its claims, none beyond what it is owed
(water-filling); `Portion.share` rounds it to minor units by largest remainder. Everything here
is exact: Fractions and Decimals in pinned contexts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact
from fractions import Fraction

from multitude.domain.accounting.apportion import apportion, apportion_capped
from multitude.domain.accounting.equation import Bucket, Equation, Rule
from multitude.domain.accounting.quantities import EXACT
from multitude.domain.accounting.rollup import CITATIONS, Target, rollup
from multitude.domain.accounting.valuation import leavers
from multitude.domain.accounting.valued import Valued, value_rules
from multitude.domain.state import State

__all__ = ["Draft", "Portion", "SplitContext", "bucket_claims", "fill", "planned", "rollup_claims"]

_ROUNDING = Context(prec=400)  # for showing a value rounded, and a value counted to twelve decimals
_FOUR = Decimal("0.0001")


@dataclass
class Draft:
    """A line of a bucket before rounding: to whom, how much (or what weight), and why."""

    recipient: str
    exact: Fraction | Decimal  # the claim's weight (its value), or what it is paid once caps are applied
    bucket: str
    claim: str
    basis: str
    cap: Fraction | None = None  # a debt: what it is owed as the split is planned
    counted: Decimal = Decimal(0)  # a one-time claim: the value it counts now; a debt: all it is valued
    value: Fraction = Fraction(0)  # a debt: all it was valued, which payments never exceed


@dataclass
class SplitContext:
    """What one split reads (the state, the day, what the income paid for) and what it has
    planned and paid so far, down through member networks."""

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


@dataclass
class Portion:
    """What one bucket pays out: its exact amount, and the claims that share it by weight."""

    exact: Fraction
    drafts: list[Draft]

    def share(self, units: Decimal, decimals: int, context: SplitContext,
              network: str) -> tuple[list[tuple[Draft, Decimal]], Decimal]:
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


def planned(context: SplitContext, network: str, portion: Portion) -> Portion:
    """Note what a bucket plans to pay its debts, for the buckets after it."""
    for draft in portion.drafts:
        if draft.claim == "debt" and draft.cap is not None:
            key = (network, draft.recipient, "debt")
            context.planned[key] = context.planned.get(key, Fraction(0)) + Fraction(draft.exact)
    return portion


def fill(share: Fraction, claims: list[Draft]) -> Portion:
    """What a bucket of `share` pays its claims, sharing in proportion to their weights with
    none beyond its cap (water-filling): what capped claims cannot take goes to the others;
    what nobody can take is not paid out by this bucket."""
    active = [c for c in claims if c.exact > 0]
    if not any(c.cap is not None for c in active):
        return Portion(share if active else Fraction(0), active)
    paid: list[Draft] = []
    remaining = share
    while active:
        weight = sum((Fraction(c.exact) for c in active), Fraction(0))
        level = remaining / weight
        capped = [c for c in active if c.cap is not None and c.cap <= Fraction(c.exact) * level]
        if not capped:
            paid.extend(_with(c, Fraction(c.exact) * level) for c in active)
            return Portion(share, paid)
        for claim in capped:
            assert claim.cap is not None
            paid.append(_with(claim, claim.cap))
            remaining -= claim.cap
        active = [c for c in active if c not in capped]
    return Portion(share - remaining, paid)


def _with(claim: Draft, exact: Fraction) -> Draft:
    return Draft(claim.recipient, exact, claim.bucket, claim.claim, claim.basis, claim.cap, claim.counted,
                  claim.value)


def bucket_claims(context: SplitContext, network: str, bucket: Bucket) -> list[Draft]:
    """The bucket's claims: per agent, one for each equity rule, and one for all the debt rules
    (and one for all the one-time rules) together, since what such a claim was counted and paid
    is kept per agent and bucket."""
    drafts: list[Draft] = []
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

    def drafts(self, context: SplitContext, network: str, bucket: Bucket) -> list[Draft]:
        return [_claim(context, network, bucket, kind, agent, value, "; ".join(self.reasons[(agent, kind)]),
                       part=self.parts.get((agent, kind)), limit=self.limits.get((agent, kind)))
                for (agent, kind), value in sorted(self.values.items())]


def _valued(context: SplitContext, network: str) -> dict[str, Valued]:
    """Every rule's values in `network`, tallied once per split."""
    if network not in context.valued:
        context.valued[network] = value_rules(
            context.state, network, context.equations[network].formulas(), context.day,
            lambda text: context.digest.update(f"{network}\t{text}\n".encode()),
        )
    return context.valued[network]


def rollup_claims(context: SplitContext, network: str, bucket: Bucket, target: Target) -> tuple[list[Draft], Fraction]:
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
            drafts.append(Draft(share.agent, share.part, bucket.name, "equity", what))
            continue
        rule = bucket.rules[share.rule]
        what = f"{_shown(share.part * 100)}% of what made it, through {share.via} ({rule.where})"
        if rule.claim == "equity":
            drafts.append(Draft(share.agent, share.part, bucket.name, "equity", what))
        else:
            bounded.add(share.agent, rule.claim, _agent_value(context, network, rule, share.agent), what, share.part,
                        share.value)
    drafts.extend(bounded.drafts(context, network, bucket))
    drafts = [d for d in drafts if d.exact > 0]
    if owned:
        drafts.append(Draft(network, owned, bucket.name, "kept",
                             f"{_shown(owned * 100)}% of what made it is the network's own"))
    return drafts, sum((Fraction(d.exact) for d in drafts), Fraction(0))


def _agent_value(context: SplitContext, network: str, rule: Rule, agent: str) -> Fraction | Decimal:
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


def _claim(context: SplitContext, network: str, bucket: Bucket, kind: str, agent: str, value: Fraction | Decimal,
           what: str, part: Fraction | None = None, limit: Fraction | None = None) -> Draft:
    """A claim of `kind`, where `value` is all the agent's value under the rule: an equity claim
    weighs its value, a one-time claim what was not counted before, a debt what is still owed
    (and never gets more). With `part` (an income for something made), the claim weighs that
    share of it instead, still bounded as its kind says; a one-time claim then counts at most
    `limit`, the value of the agent's inputs to what was paid for."""
    if kind == "equity":
        return Draft(agent, value if part is None else part, bucket.name, "equity", what)
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
        return Draft(agent, weight, bucket.name, "once", f"{what}; {_shown(counted)} counted before",
                      counted=_decimal(fresh))
    paid = Fraction(paid_before)
    owed = max(exact - paid - context.planned.get(key, Fraction(0)), Fraction(0))
    if not context.settles_debts:  # owed in another currency: this income does not repay it
        return Draft(agent, Fraction(0), bucket.name, "debt", what)
    weight = (owed if part is None else part) if owed > 0 else Fraction(0)
    return Draft(agent, weight, bucket.name, "debt", f"{what}; {_shown(paid)} repaid before, {_shown(owed)} owed",
                  cap=owed, counted=_decimal(exact), value=exact)


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
