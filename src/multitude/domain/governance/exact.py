"""The one check that a weight, a cost or a budget is exact: a Fraction or an int, never a float
(which cannot say 1/3) nor a bool (which Python counts as an int), and never negative."""

from __future__ import annotations

from fractions import Fraction

__all__ = ["exact"]


def exact(value: object, what: str, error: type[ValueError] = ValueError) -> Fraction:
    """`value` as a Fraction >= 0; raises `error` naming `what` ("weight of ana") otherwise."""
    if type(value) is Fraction:  # the usual case, without Fraction's slow comparison
        if value.numerator < 0:
            raise error(f"{what}: {value} is negative")
        return value
    if isinstance(value, Fraction):
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Fraction(value)
    else:
        raise error(f"{what}: {value!r} is not an exact number (Fraction or int)")
    if number < 0:
        raise error(f"{what}: {number} is negative")
    return number
