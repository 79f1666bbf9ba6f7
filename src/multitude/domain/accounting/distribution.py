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
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from multitude.domain.accounting.apportion import ApportionError, apportion, minor_unit
from multitude.domain.accounting.claims import (
    Draft,
    Portion,
    SplitContext,
    bucket_claims,
    fill,
    planned,
    rollup_claims,
)
from multitude.domain.accounting.equation import Bucket, Equation, parse_equation
from multitude.domain.accounting.flow import FlowError
from multitude.domain.accounting.quantities import EXACT
from multitude.domain.accounting.rollup import Target
from multitude.domain.accounting.rows import EquationRow
from multitude.domain.accounting.valuation import DistributionError
from multitude.domain.networks.rules import charter_of
from multitude.domain.state import State

__all__ = ["ClaimChange", "DistributionError", "Line", "Split", "Target", "bucket_portions", "equation_in_force",
           "split_income"]

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
    debts = _settles_debts(state, network, currency)
    context = SplitContext(state, day, document, target, network, settles_debts=debts)
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


def _split(context: SplitContext, network: str, amount: Decimal, decimals: int, depth: int,
           path: tuple[str, ...]) -> Iterator[Line]:
    """The lines of `amount` received by `network`: first the income is shared among the buckets
    (and what they leave, which the network keeps), then each bucket's part among its claims."""
    if depth > _MAX_DEPTH:
        raise DistributionError("member networks nest too deep")
    row = equation_in_force(context.state, network)
    document = context.document if depth == 0 and context.document is not None else row.document if row else None
    portions: list[Portion] = []
    total = Fraction(amount)
    paid_out = Fraction(0)
    if document is None:
        basis = "the network has no value equation in force, so it keeps the income"
    else:
        equation, portions = bucket_portions(context, network, document, total)
        paid_out = sum((portion.exact for portion in portions), Fraction(0))
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


def bucket_portions(context: SplitContext, network: str, document: str,
                    total: Fraction) -> tuple[Equation, list[Portion]]:
    """What each bucket of the equation `document` pays out of `total` received by `network`,
    exactly (before any rounding), bucket by bucket: a `straight` bucket takes its percent of
    `total`, a `remaining` bucket its percent of what the buckets before it did not pay out."""
    equation = _parsed(document)
    context.equations[network] = equation
    context.digest.update(f"{network}\t{equation.digest}\n".encode())
    portions: list[Portion] = []
    paid_out = Fraction(0)
    for bucket in equation.buckets:
        base = total if bucket.mode == "straight" else total - paid_out
        portion = _bucket(context, network, bucket, base * Fraction(bucket.percent) / 100)
        portions.append(portion)
        paid_out += portion.exact
    return equation, portions


def _record_claim(context: SplitContext, network: str, draft: Draft, paid: Decimal) -> None:
    key = (network, draft.recipient, draft.claim)
    counted, so_far = context.claim(key)
    # A one-time claim adds what it counted now; a debt is counted at all it is valued.
    counted = draft.counted if draft.claim == "debt" else EXACT.add(counted, draft.counted)
    context.claims[key] = (counted, EXACT.add(so_far, paid))


def _bucket(context: SplitContext, network: str, bucket: Bucket, share: Fraction) -> Portion:
    if share == 0:
        return Portion(Fraction(0), [])
    if bucket.recipient is not None:
        recipient = network if bucket.recipient == "network" else bucket.recipient
        claim = "kept" if recipient == network else "recipient"
        what = f"{bucket.percent}% {bucket.mode} to a fixed recipient"
        return Portion(share, [Draft(recipient, Fraction(1), bucket.name, claim, what)])
    if context.target is not None and context.top == network:
        drafts, taken = rollup_claims(context, network, bucket, context.target)
        return planned(context, network, fill(share * taken, drafts))
    return planned(context, network, fill(share, bucket_claims(context, network, bucket)))


