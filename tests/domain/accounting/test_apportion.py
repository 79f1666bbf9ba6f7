"""Splitting amounts exactly into minor units: worked examples, refusals and properties."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from multitude.domain.accounting.apportion import ApportionError, apportion, apportion_capped, minor_unit

D = Decimal
F = Fraction


def units_of(amount: Decimal, decimals: int) -> Fraction:
    return Fraction(amount) * 10**decimals


def assert_quantized(amounts: dict[str, Decimal], decimals: int) -> None:
    for amount in amounts.values():
        assert amount.as_tuple().exponent == -decimals
        assert units_of(amount, decimals).denominator == 1
        assert amount >= 0


# --- minor_unit ----------------------------------------------------------------------------------


def test_minor_unit() -> None:
    assert str(minor_unit(2)) == "0.01"
    assert str(minor_unit(0)) == "1"
    assert minor_unit(8) == D("0.00000001")
    with pytest.raises(ApportionError, match="decimals"):
        minor_unit(-1)


# --- apportion: worked examples -------------------------------------------------------------------


def test_hundred_split_three_ways_tie_goes_to_the_smallest_key() -> None:
    result = apportion(D("100"), {"c": F(1), "a": F(1), "b": F(1)}, 2)
    assert result == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
    assert [str(v) for v in (result["a"], result["b"], result["c"])] == ["33.34", "33.33", "33.33"]
    assert sum(result.values()) == D("100")


def test_largest_remainder_beats_key_order() -> None:
    # 3 cents at 1:3:6 are 0.3, 0.9 and 1.8 cents: floors 0, 0, 1 leave two cents, which go to the
    # largest remainders, b (0.9) and c (0.8), not to the smallest key a (0.3).
    result = apportion(D("0.03"), {"a": F(1), "b": F(3), "c": F(6)}, 2)
    assert result == {"a": D("0.00"), "b": D("0.01"), "c": D("0.02")}


def test_zero_decimals() -> None:
    result = apportion(D("10"), {"a": F(1), "b": F(2)}, 0)
    assert result == {"a": D("3"), "b": D("7")}  # 3.33 / 6.67: the larger remainder is b's
    assert str(result["a"]) == "3"


def test_zero_weights_get_zero_and_are_present() -> None:
    result = apportion(D("5.00"), {"a": F(0), "b": F(1), "c": F(0)}, 2)
    assert result == {"a": D("0"), "b": D("5"), "c": D("0")}
    assert str(result["a"]) == "0.00"


def test_single_key_gets_everything() -> None:
    assert apportion(D("12.5"), {"only": F(3, 7)}, 2) == {"only": D("12.50")}
    assert str(apportion(D("12.5"), {"only": F(3, 7)}, 2)["only"]) == "12.50"


def test_zero_total() -> None:
    assert apportion(D("0"), {"a": F(1), "b": F(1)}, 2) == {"a": D("0.00"), "b": D("0.00")}


def test_total_written_with_trailing_zeros_beyond_decimals_is_fine() -> None:
    assert apportion(D("1.0000"), {"a": F(1), "b": F(1)}, 2) == {"a": D("0.50"), "b": D("0.50")}


def test_huge_amounts_and_weights() -> None:
    total = D(10**30)
    weights = {"a": F(10**40 + 1, 3 * 10**17), "b": F(7, 10**25 + 3), "c": F(2**200, 3**100)}
    result = apportion(total, weights, 2)
    assert sum(units_of(v, 2) for v in result.values()) == 10**32
    assert_quantized(result, 2)
    exact_total = 10**32
    weight_sum = sum(weights.values())
    for key, weight in weights.items():
        assert abs(units_of(result[key], 2) - exact_total * weight / weight_sum) < 1
    # a total with more digits than any decimal context's precision
    big = D("123456789012345678901234567890123456789012345678901234567890.01")
    split = apportion(big, {"x": F(1), "y": F(1), "z": F(1)}, 2)
    assert_quantized(split, 2)
    assert split["x"] == D("41152263004115226300411522630041152263004115226300411522630.01")
    assert sum(units_of(v, 2) for v in split.values()) == units_of(big, 2)


# --- apportion: refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "decimals", "message"),
    [
        (D("-1"), {"a": F(1)}, 2, "total must be >= 0"),
        (D("1.005"), {"a": F(1)}, 2, "not a whole number of minor units"),
        (D("0.5"), {"a": F(1)}, 0, "not a whole number of minor units"),
        (D("NaN"), {"a": F(1)}, 2, "finite"),
        (D("Infinity"), {"a": F(1)}, 2, "finite"),
        (D("1"), {"a": F(0), "b": F(0)}, 2, "at least one weight must be > 0"),
        (D("1"), {}, 2, "at least one weight must be > 0"),
        (D("1"), {"a": F(1), "b": F(-1)}, 2, "weight of 'b' must be >= 0"),
        (D("1"), {"a": 0.5}, 2, "must be a Fraction"),
        (1.0, {"a": F(1)}, 2, "must be a Decimal"),
        (D("1"), {"a": F(1)}, -1, "decimals"),
    ],
)
def test_apportion_refuses(total: object, weights: object, decimals: int, message: str) -> None:
    with pytest.raises(ApportionError, match=message):
        apportion(total, weights, decimals)  # type: ignore[arg-type]


def test_apportion_error_is_a_value_error() -> None:
    assert issubclass(ApportionError, ValueError)


# --- apportion_capped: worked examples ------------------------------------------------------------


def test_one_capped_debt_the_others_share_the_rest() -> None:
    amounts, leftover = apportion_capped(D("100"), {"a": F(1), "b": F(1), "c": F(1)}, {"b": D("10")}, 2)
    assert amounts == {"a": D("45.00"), "b": D("10.00"), "c": D("45.00")}
    assert leftover == 0
    assert str(leftover) == "0.00"


def test_capped_rounding_with_ties() -> None:
    amounts, leftover = apportion_capped(D("100"), {"a": F(1), "b": F(1), "c": F(1), "d": F(1)}, {"d": D("0.01")}, 2)
    assert amounts == {"a": D("33.33"), "b": D("33.33"), "c": D("33.33"), "d": D("0.01")}
    assert leftover == 0
    amounts, _ = apportion_capped(D("100"), {"a": F(1), "b": F(1), "c": F(1), "d": F(1)}, {"d": D("10.00")}, 2)
    assert amounts == {"a": D("30.00"), "b": D("30.00"), "c": D("30.00"), "d": D("10.00")}


def test_every_key_capped_below_total_leaves_a_leftover() -> None:
    amounts, leftover = apportion_capped(D("100"), {"a": F(1), "b": F(3)}, {"a": D("20"), "b": D("30")}, 2)
    assert amounts == {"a": D("20.00"), "b": D("30.00")}
    assert leftover == D("50.00")
    assert str(leftover) == "50.00"


def test_caps_that_bind_in_cascade() -> None:
    # equal weights, 90 to share: c's cap 10 binds first, then b's 35 (level 40 > 35), a takes the rest.
    amounts, leftover = apportion_capped(
        D("90"), {"a": F(1), "b": F(1), "c": F(1)}, {"a": D("1000"), "b": D("35"), "c": D("10")}, 0
    )
    assert amounts == {"a": D("45"), "b": D("35"), "c": D("10")}
    assert leftover == 0


def test_cap_exactly_at_the_level_is_reached() -> None:
    amounts, leftover = apportion_capped(D("30"), {"a": F(1), "b": F(2)}, {"a": D("10"), "b": D("20")}, 0)
    assert amounts == {"a": D("10"), "b": D("20")}
    assert leftover == 0


def test_caps_that_are_not_whole_minor_units_are_floored() -> None:
    amounts, leftover = apportion_capped(D("1.00"), {"a": F(1), "b": F(1)}, {"a": D("0.109"), "b": D("0.2")}, 2)
    assert amounts == {"a": D("0.10"), "b": D("0.20")}
    assert leftover == D("0.70")
    # with an uncapped key the fraction of a cent that a cap cannot take goes to the others
    amounts, leftover = apportion_capped(D("1.00"), {"a": F(1), "b": F(1), "c": F(1)}, {"a": D("0.109")}, 2)
    assert amounts == {"a": D("0.10"), "b": D("0.45"), "c": D("0.45")}
    assert leftover == 0


def test_zero_weight_keys_get_nothing_even_with_room_under_their_cap() -> None:
    amounts, leftover = apportion_capped(D("10"), {"a": F(1), "z": F(0)}, {"a": D("4"), "z": D("100")}, 0)
    assert amounts == {"a": D("4"), "z": D("0")}
    assert leftover == D("6")


def test_cap_of_zero() -> None:
    amounts, leftover = apportion_capped(D("10"), {"a": F(1), "b": F(1)}, {"a": D("0")}, 2)
    assert amounts == {"a": D("0.00"), "b": D("10.00")}
    assert leftover == 0


def test_capped_huge_amounts() -> None:
    total = D(10**30)
    amounts, leftover = apportion_capped(total, {"a": F(1), "b": F(1), "c": F(10**20, 3)}, {"c": D(f"{10**29}.015")}, 2)
    assert amounts["c"] == D(f"{10**29}.01")  # the cap floored to whole cents
    assert units_of(amounts["a"], 2) + units_of(amounts["b"], 2) + units_of(amounts["c"], 2) == 10**32
    # a and b split the odd number of cents left: the tie goes to a
    assert units_of(amounts["a"], 2) - units_of(amounts["b"], 2) == 1
    assert leftover == 0


@pytest.mark.parametrize(
    ("caps", "message"),
    [
        ({"a": D("-1")}, "cap of 'a' must be >= 0"),
        ({"a": D("NaN")}, "finite"),
        ({"nobody": D("1")}, "cap given for 'nobody'"),
        ({"a": 1.5}, "must be a Decimal"),
    ],
)
def test_capped_refuses_bad_caps(caps: object, message: str) -> None:
    with pytest.raises(ApportionError, match=message):
        apportion_capped(D("10"), {"a": F(1), "b": F(1)}, caps, 2)  # type: ignore[arg-type]


def test_capped_refuses_what_apportion_refuses() -> None:
    with pytest.raises(ApportionError, match="total must be >= 0"):
        apportion_capped(D("-1"), {"a": F(1)}, {}, 2)
    with pytest.raises(ApportionError, match="whole number of minor units"):
        apportion_capped(D("0.001"), {"a": F(1)}, {}, 2)
    with pytest.raises(ApportionError, match="at least one weight"):
        apportion_capped(D("1"), {"a": F(0)}, {"a": D("1")}, 2)


# --- properties -----------------------------------------------------------------------------------

keys = st.text(alphabet="abcdefgh", min_size=1, max_size=3)
fractions = st.builds(F, st.integers(0, 10**6), st.integers(1, 10**6))
weight_maps = st.dictionaries(keys, fractions, min_size=1, max_size=8).filter(lambda w: any(v > 0 for v in w.values()))
decimal_places = st.integers(0, 4)
unit_counts = st.one_of(st.integers(0, 1000), st.integers(0, 10**40))


def as_amount(units: int, decimals: int) -> Decimal:
    return D(f"{units}E-{decimals}")


def shuffled(mapping: dict[str, Fraction], seed: int) -> dict[str, Fraction]:
    items = list(mapping.items())
    random.Random(seed).shuffle(items)
    return dict(items)


@given(unit_counts, weight_maps, decimal_places)
def test_apportion_properties(units: int, weights: dict[str, Fraction], decimals: int) -> None:
    total = as_amount(units, decimals)
    result = apportion(total, weights, decimals)
    assert result.keys() == weights.keys()
    assert_quantized(result, decimals)
    assert sum(units_of(v, decimals) for v in result.values()) == units
    weight_sum = sum(weights.values())
    for key, weight in weights.items():
        exact = units * weight / weight_sum
        assert abs(units_of(result[key], decimals) - exact) < 1
        if weight == 0:
            assert result[key] == 0


@given(
    unit_counts,
    weight_maps,
    decimal_places,
    st.integers(0, 2**32),
    st.builds(F, st.integers(1, 10**9), st.integers(1, 10**9)),
)
def test_apportion_ignores_order_and_scale(
    units: int, weights: dict[str, Fraction], decimals: int, seed: int, factor: Fraction
) -> None:
    total = as_amount(units, decimals)
    expected = apportion(total, weights, decimals)
    assert apportion(total, shuffled(weights, seed), decimals) == expected
    assert apportion(total, {k: w * factor for k, w in weights.items()}, decimals) == expected


@st.composite
def capped_cases(draw: st.DrawFn) -> tuple[int, dict[str, Fraction], dict[str, Decimal], int]:
    decimals = draw(decimal_places)
    units = draw(unit_counts)
    weights = draw(weight_maps)
    caps: dict[str, Decimal] = {}
    for key in sorted(weights):
        if draw(st.booleans()):
            cap_units = draw(st.one_of(st.integers(0, max(units, 1)), st.integers(0, 10**40)))
            extra = draw(st.sampled_from(["", "", "5", "999"]))  # sometimes finer than a minor unit
            caps[key] = D(f"{cap_units}{extra}E-{decimals + len(extra)}")
    return units, weights, caps, decimals


def water_level_oracle(units: int, weights: dict[str, Fraction], caps: dict[str, int]) -> dict[str, Fraction]:
    """The exact water-filled allocation, by trying every set of capped keys (independent of the code)."""
    positive = [k for k, w in weights.items() if w > 0]
    for size in range(len(positive) + 1):
        for capped in itertools.combinations(positive, size):
            if any(k not in caps for k in capped):
                continue
            open_keys = [k for k in positive if k not in capped]
            rest = units - sum(caps[k] for k in capped)
            if not open_keys:
                if rest >= 0:
                    return {k: F(caps[k]) if k in capped else F(0) for k in weights}
                continue
            level = F(rest) / sum(weights[k] for k in open_keys)
            if level < 0:
                continue
            if all(caps[k] <= level * weights[k] for k in capped) and all(
                k not in caps or level * weights[k] <= caps[k] for k in open_keys
            ):
                return {k: (F(caps[k]) if k in capped else level * weights[k]) for k in weights}
    raise AssertionError("no water level found")


@given(capped_cases())
def test_apportion_capped_properties(case: tuple[int, dict[str, Fraction], dict[str, Decimal], int]) -> None:
    units, weights, caps, decimals = case
    total = as_amount(units, decimals)
    amounts, leftover = apportion_capped(total, weights, caps, decimals)
    assert amounts.keys() == weights.keys()
    assert_quantized(amounts, decimals)
    assert leftover >= 0
    assert leftover.as_tuple().exponent == -decimals
    assert sum(units_of(v, decimals) for v in amounts.values()) + units_of(leftover, decimals) == units
    for key, cap in caps.items():
        assert amounts[key] <= cap
    positive = [k for k, w in weights.items() if w > 0]
    floored = {k: int(units_of(c, decimals) // 1) for k, c in caps.items()}
    if leftover > 0:
        assert all(k in caps and units_of(amounts[k], decimals) == floored[k] for k in positive)
        assert sum(floored[k] for k in positive) < units
    exact = water_level_oracle(units, weights, floored)
    for key in weights:
        assert abs(units_of(amounts[key], decimals) - exact[key]) < 1


@given(capped_cases(), st.integers(0, 2**32), st.builds(F, st.integers(1, 10**9), st.integers(1, 10**9)))
def test_apportion_capped_ignores_order_and_scale(
    case: tuple[int, dict[str, Fraction], dict[str, Decimal], int], seed: int, factor: Fraction
) -> None:
    units, weights, caps, decimals = case
    total = as_amount(units, decimals)
    expected = apportion_capped(total, weights, caps, decimals)
    cap_items = list(caps.items())
    random.Random(seed).shuffle(cap_items)
    assert apportion_capped(total, shuffled(weights, seed), dict(cap_items), decimals) == expected
    assert apportion_capped(total, {k: w * factor for k, w in weights.items()}, caps, decimals) == expected


@given(unit_counts, weight_maps, decimal_places)
def test_caps_that_never_bind_change_nothing(units: int, weights: dict[str, Fraction], decimals: int) -> None:
    total = as_amount(units, decimals)
    caps = {key: total for key in sorted(weights)[::2]}
    amounts, leftover = apportion_capped(total, weights, caps, decimals)
    assert amounts == apportion(total, weights, decimals)
    assert leftover == 0
