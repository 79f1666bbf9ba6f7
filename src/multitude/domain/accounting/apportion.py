"""Splitting an amount of money exactly into whole minor units (cents, satoshis, ...).

Here live the largest remainder method (Hamilton) and its capped variant (water-filling, then
largest remainder). Everything is exact: amounts are `Decimal`, weights are `Fraction`, and the
arithmetic is done in integers and Fractions, never in a limited-precision decimal context, so
amounts of any size split exactly. No floats, no I/O, no storage and no knowledge of what the
keys stand for (agents, debts, contributions) belong here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

_MAX_COMMON_BITS = 1 << 16  # beyond this, one common denominator costs more than Fractions

__all__ = ["ApportionError", "apportion", "apportion_capped", "minor_unit"]


class ApportionError(ValueError):
    """An amount, a weight, a cap or a number of decimals that cannot be apportioned."""


def minor_unit(decimals: int) -> Decimal:
    """The smallest amount with `decimals` places: 2 -> Decimal("0.01"), 0 -> Decimal("1")."""
    _check_decimals(decimals)
    return Decimal((0, (1,), -decimals))


def apportion(total: Decimal, weights: Mapping[str, Fraction | Decimal], decimals: int) -> dict[str, Decimal]:
    """Split `total` in proportion to `weights`, in whole minor units, by the largest remainder method.

    Each key first gets the floor of its exact share total·w/W in minor units; the minor units
    left over go one each to the keys with the largest fractional remainders, ties going to the
    smallest key (string order). Every key of `weights` is in the result (zero weights get 0),
    each amount is quantized to exactly `decimals` places, and the amounts sum to `total` exactly.

    Raises ApportionError if `decimals` is not an int >= 0, `total` is not a finite Decimal >= 0
    made of whole minor units, or a weight is not a Fraction, Decimal or int >= 0, or no weight is > 0.
    """
    _check_decimals(decimals)
    units = _to_units(total, decimals, "total")
    ratios = _check_weights(weights)
    shares = _largest_remainder(units, {k: r for k, r in ratios.items() if r[0] > 0})
    return {key: _from_units(shares.get(key, 0), decimals) for key in ratios}


def apportion_capped(
    total: Decimal,
    weights: Mapping[str, Fraction | Decimal],
    caps: Mapping[str, Decimal],
    decimals: int,
) -> tuple[dict[str, Decimal], Decimal]:
    """Like `apportion`, but key k never gets more than `caps[k]`; returns (amounts, leftover).

    Keys missing from `caps` are uncapped. No key can receive a fraction of a minor unit, so each
    cap is first floored to whole minor units; then the exact allocation a_k = min(cap_k, λ·w_k)
    is found by water-filling (λ as large as possible with Σ a_k <= total). Keys that reach their
    (floored) cap get exactly that cap; the rest of the total is split among the other keys with
    the largest remainder method (ties to the smallest key), which never pushes them over a cap.
    Zero-weight keys get 0 whatever their cap.

    leftover = total − Σ amounts, quantized to `decimals` places. It is zero unless every key with
    a positive weight is capped and their floored caps sum to less than total.

    Raises ApportionError as `apportion` does, and if a cap is not a finite Decimal >= 0 or names
    a key that is not in `weights`.
    """
    _check_decimals(decimals)
    units = _to_units(total, decimals, "total")
    ratios = _check_weights(weights)
    floored_caps = _check_caps(caps, ratios, decimals)

    positive = {k: Fraction(*r) for k, r in ratios.items() if r[0] > 0}
    # Water-filling: a key whose cap/weight ratio is at or below the current level λ is capped;
    # removing it can only raise λ, so one pass over the ratios in ascending order finds the level.
    capped_keys = sorted((k for k in positive if k in floored_caps), key=lambda k: (floored_caps[k] / positive[k], k))
    amounts: dict[str, int] = {}
    remaining = units
    open_weight = sum(positive.values(), Fraction(0))
    for key in capped_keys:
        cap = floored_caps[key]
        if cap * open_weight > remaining * positive[key]:  # cap/w > remaining/open_weight = λ
            break
        amounts[key] = cap
        remaining -= cap
        open_weight -= positive[key]

    if open_weight == 0:
        leftover = remaining
    else:
        open_keys = {k: ratios[k] for k in positive if k not in amounts}
        amounts.update(_largest_remainder(remaining, open_keys))
        leftover = 0
    result = {key: _from_units(amounts.get(key, 0), decimals) for key in ratios}
    return result, _from_units(leftover, decimals)


def _largest_remainder(units: int, weights: Mapping[str, tuple[int, int]]) -> dict[str, int]:
    """Hamilton's method on positive weights (numerator, denominator): whole units summing to
    `units`, ties to the smallest key.

    The weights are brought to one denominator, so the shares and remainders are integers
    (exact, and quick for many keys); when the common denominator would be enormous (weights
    of unrelated denominators), the shares are computed as Fractions instead.
    """
    if not weights:
        return {}
    common = 1
    for denominator in {ratio[1] for ratio in weights.values()}:
        common = math.lcm(common, denominator)
        if common.bit_length() > _MAX_COMMON_BITS:
            return _largest_remainder_fractions(units, {k: Fraction(*r) for k, r in weights.items()})
    scaled = {key: numerator * (common // denominator) for key, (numerator, denominator) in weights.items()}
    weight_sum = sum(scaled.values())
    floors: dict[str, int] = {}
    remainders: dict[str, int] = {}
    for key, weight in scaled.items():
        floors[key], remainders[key] = divmod(units * weight, weight_sum)
    short = units - sum(floors.values())
    # The remainders sum to `short` whole units and each is below one, so at least `short` are > 0.
    for key in sorted(weights, key=lambda k: (-remainders[k], k))[:short]:
        floors[key] += 1
    return floors


def _largest_remainder_fractions(units: int, weights: Mapping[str, Fraction]) -> dict[str, int]:
    weight_sum = sum(weights.values(), Fraction(0))
    floors: dict[str, int] = {}
    remainders: dict[str, Fraction] = {}
    for key, weight in weights.items():
        exact = units * weight / weight_sum
        floors[key] = exact.numerator // exact.denominator
        remainders[key] = exact - floors[key]
    short = units - sum(floors.values())
    for key in sorted(weights, key=lambda k: (-remainders[k], k))[:short]:
        floors[key] += 1
    return floors


def _check_decimals(decimals: int) -> None:
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ApportionError(f"decimals must be an int >= 0, got {decimals!r}")


def _exact(amount: Decimal, what: str) -> Fraction:
    if not isinstance(amount, Decimal):
        raise ApportionError(f"{what} must be a Decimal, got {type(amount).__name__}")
    if not amount.is_finite():
        raise ApportionError(f"{what} must be finite, got {amount}")
    value = Fraction(amount)
    if value < 0:
        raise ApportionError(f"{what} must be >= 0, got {amount}")
    return value


def _scale(decimals: int) -> int:
    """Minor units per whole unit: 10**decimals."""
    return int(10**decimals)


def _to_units(amount: Decimal, decimals: int, what: str) -> int:
    """An amount as an exact whole number of minor units; ApportionError if it is not one."""
    units = _exact(amount, what) * _scale(decimals)
    if units.denominator != 1:
        raise ApportionError(f"{what} {amount} is not a whole number of minor units ({minor_unit(decimals)})")
    return units.numerator


def _from_units(units: int, decimals: int) -> Decimal:
    """Whole minor units as a Decimal with exactly `decimals` places (exact for any size)."""
    digits = Decimal(units).as_tuple().digits
    return Decimal((0, digits, -decimals))


def _check_weights(weights: Mapping[str, Fraction | Decimal]) -> dict[str, tuple[int, int]]:
    """Each weight as (numerator, denominator), denominator > 0."""
    checked: dict[str, tuple[int, int]] = {}
    positive = False
    for key, weight in weights.items():
        if not isinstance(key, str):
            raise ApportionError(f"keys must be str, got {key!r}")
        if isinstance(weight, bool) or not isinstance(weight, Fraction | int | Decimal):
            raise ApportionError(f"weight of {key!r} must be a Fraction, got {type(weight).__name__}")
        if isinstance(weight, Decimal) and not weight.is_finite():
            raise ApportionError(f"weight of {key!r} must be finite, got {weight}")
        ratio = weight.as_integer_ratio()
        if ratio[0] < 0:
            raise ApportionError(f"weight of {key!r} must be >= 0, got {weight}")
        positive = positive or ratio[0] > 0
        checked[key] = ratio
    if not positive:
        raise ApportionError("at least one weight must be > 0")
    return checked


def _check_caps(caps: Mapping[str, Decimal], weights: Mapping[str, object], decimals: int) -> dict[str, int]:
    """Each cap floored to whole minor units."""
    floored: dict[str, int] = {}
    for key, cap in caps.items():
        if key not in weights:
            raise ApportionError(f"cap given for {key!r}, which has no weight")
        value = _exact(cap, f"cap of {key!r}") * _scale(decimals)
        floored[key] = value.numerator // value.denominator
    return floored
