"""Exact shares: what part of one unit of income each recipient of a network would get from
the value equation in force, before any rounding to currency units.

The rule is the split's own (see distribution), run on a total of exactly 1 at the top
network only: each bucket takes its part of the income (`straight`: its percent of it,
`remaining`: its percent of what the buckets before it did not pay out), and each bucket's
part goes to its claims in proportion to their weights, debts never beyond what they are still
owed (water-filling). A recipient's share is the exact sum, over every bucket, of what its
claims get. Nothing is rounded, so the shares are Fractions that depend only on the state and
the day, whatever order anything was read in.

A member network is one recipient here: its own equation is not applied. What the equation
leaves unpaid, or pays to the network itself, is the network's to keep and is not a share, so
the shares add up to at most 1. Debts are bounded as in a split of an income of one unit of the
network's first currency (a debt owed less than that is capped at what is owed).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from fractions import Fraction

from multitude.domain.accounting.apportion import ApportionError
from multitude.domain.accounting.claims import SplitContext
from multitude.domain.accounting.distribution import DistributionError, bucket_portions, equation_in_force
from multitude.domain.accounting.flow import FlowError
from multitude.domain.state import State

__all__ = ["exact_shares"]


def exact_shares(state: State, network: str, day: str) -> dict[str, Fraction]:
    """Each recipient's exact share (> 0) of one unit of income received by `network`, by the
    equation in force, on calendar day `day` (YYYY-MM-DD); {} when no equation is in force.
    Keys are agents' public keys and member networks' ids, in sorted order. Raises
    DistributionError when the equation cannot split an income on this network's data."""
    _check_day(day)
    row = equation_in_force(state, network)
    if row is None:
        return {}
    context = SplitContext(state, day, None, None, network)
    try:
        _, portions = bucket_portions(context, network, row.document, Fraction(1))
    except (ApportionError, FlowError) as error:  # as split_income says them: a refusal
        raise DistributionError(str(error)) from None
    shares: dict[str, Fraction] = defaultdict(Fraction)
    for portion in portions:
        weight = sum((Fraction(draft.exact) for draft in portion.drafts), Fraction(0))
        if portion.exact == 0 or weight == 0:
            continue  # the bucket pays nothing out: the network keeps its part
        for draft in portion.drafts:
            if draft.recipient != network:  # a bucket paid to the network itself is kept
                shares[draft.recipient] += portion.exact * Fraction(draft.exact) / weight
    return {recipient: share for recipient, share in sorted(shares.items()) if share > 0}


def _check_day(day: str) -> None:
    try:
        valid = datetime.date.fromisoformat(day).isoformat() == day
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise DistributionError(f"{day!r} is not a calendar day like 2026-05-01")
