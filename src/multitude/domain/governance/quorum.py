"""What every decision method shares: exact weights, thresholds, quorum, and the error a method
raises on what it cannot count.

A threshold says in words whether it is "more than" or "at least" a share, and is checked by
cross-multiplication (part > share × whole), so nothing is divided or rounded. Weights are
exact Fractions (ints are taken as Fractions); a float is refused, never converted. The
ballots and results of the methods live in methods.py; no storage, web or CLI here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from multitude.domain.governance.exact import exact

__all__ = ["Comparison", "Participation", "Quorum", "Threshold", "VoteError", "at_least", "exact_weight", "more_than"]

Comparison = Literal["more than", "at least"]


class VoteError(ValueError):
    """A ballot, weight, option or parameter a decision method cannot count; the message names it."""


def exact_weight(weight: object, whose: str) -> Fraction:
    """`weight` as a Fraction >= 0; raises VoteError naming `whose` ("weight of ana") otherwise."""
    return exact(weight, whose, VoteError)


@dataclass(frozen=True)
class Threshold:
    """A share a part must reach of a whole: "more than 1/2", "at least 2/3".

    The share is > 0 (a threshold of nothing would pass with no support) and <= 1, and "more
    than 1" is refused (it could never be met). An empty whole never meets a threshold: nothing
    passes when nobody voted.
    """

    share: Fraction
    comparison: Comparison

    def __post_init__(self) -> None:
        share = exact_weight(self.share, "a threshold's share")
        if self.comparison not in ("more than", "at least"):
            raise VoteError(f"a threshold is 'more than' or 'at least' a share, not {self.comparison!r}")
        if not 0 < share <= 1 or (share == 1 and self.comparison == "more than"):
            raise VoteError(f"a threshold of {self.comparison} {share} can never be meaningful: the share is in (0, 1]")
        object.__setattr__(self, "share", share)

    def met(self, part: Fraction, whole: Fraction) -> bool:
        if whole <= 0:
            return False
        bar = self.share * whole
        return part > bar if self.comparison == "more than" else part >= bar

    def __str__(self) -> str:
        return f"{self.comparison} {self.share}"


def more_than(share: Fraction | int) -> Threshold:
    return Threshold(Fraction(share), "more than")


def at_least(share: Fraction | int) -> Threshold:
    return Threshold(Fraction(share), "at least")


def exact_sum(weights: Iterable[Fraction]) -> Fraction:
    """The sum of many weights: added up per denominator in integers, then once in Fractions
    (adding Fractions one by one normalises every partial sum, which is what costs)."""
    parts: dict[int, int] = {}
    for weight in weights:
        parts[weight.denominator] = parts.get(weight.denominator, 0) + weight.numerator
    return sum((Fraction(n, d) for d, n in parts.items()), Fraction(0))


@dataclass(frozen=True)
class Participation:
    """Who took part: ballots cast (abstentions and stand-asides included) and the weight they
    carry, next to the number and total weight of the eligible members."""

    members: int
    weight: Fraction
    eligible_members: int
    eligible_weight: Fraction

    @classmethod
    def of(cls, cast: Iterable[Fraction], eligible: Mapping[str, Fraction]) -> Participation:
        weights = list(cast)
        return cls(len(weights), exact_sum(weights), len(eligible), exact_sum(eligible.values()))

    def __str__(self) -> str:
        return (
            f"{self.members} of {self.eligible_members} members took part, "
            f"with weight {self.weight} of {self.eligible_weight}"
        )


@dataclass(frozen=True)
class Quorum:
    """Enough participation for a binding result: by `count` (ballots cast, abstentions and
    stand-asides included, against the number of eligible members) or by `weight` (the weight
    those ballots carry, against the eligible members' total weight). A delegate's ballot counts
    once by count and with all the weight it carries by weight."""

    threshold: Threshold
    by: Literal["count", "weight"] = "count"

    def __post_init__(self) -> None:
        if self.by not in ("count", "weight"):
            raise VoteError(f"a quorum is by 'count' or by 'weight', not {self.by!r}")

    def met(self, taking_part: Participation) -> bool:
        if self.by == "count":
            return self.threshold.met(Fraction(taking_part.members), Fraction(taking_part.eligible_members))
        return self.threshold.met(taking_part.weight, taking_part.eligible_weight)

    def __str__(self) -> str:
        whole = "of the eligible members" if self.by == "count" else "of the eligible weight"
        return f"{self.threshold} {whole}"
