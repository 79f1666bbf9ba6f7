"""Exact quantities as they are written in events: canonical decimal strings, durations, dates.

A decimal in an event has one spelling only (no sign, no leading zeros, no trailing zeros
after the point), so two nodes that mean the same amount sign the same bytes. Nothing here is
ever a float.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow
from typing import Annotated

from pydantic import StringConstraints

__all__ = [
    "EXACT",
    "GIGA",
    "PICO",
    "Amount",
    "Money",
    "Price",
    "Quantity",
    "canonical_decimal",
    "day_of",
    "decimal_text",
    "parse_duration",
    "split_units",
]

# Quantities of one contribution (hours, units): at most 12 digits before the point and 6 after.
# Prices (a rate, a value per unit): 15 and 6. Money one contributes: 15 and 12. So a
# contribution's own value has at most 12 decimals and fits the database's integers, while an
# income to distribute may be of any size.
Quantity = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,11})(\.[0-9]{0,5}[1-9])?$")]
Price = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,14})(\.[0-9]{0,5}[1-9])?$")]
Money = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,14})(\.[0-9]{0,11}[1-9])?$")]
Amount = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,39})(\.[0-9]{0,17}[1-9])?$")]
PICO = 10**12  # a contribution's value is kept as whole units and millionths of millionths
GIGA = 10**9  # … and its whole units as a high and a low part, so sums stay far below 2**63
# The context of every sum and product of amounts and values: wide enough never to round what
# it is given (values are bounded, see valuation), and it says so (Inexact) rather than round.
EXACT = Context(prec=400, Emax=999_999, Emin=-999_999, traps=[Inexact, Overflow, InvalidOperation])

# The widest decimal any quantity, amount or value is ever written with.
MAX_DIGITS = 40
MAX_PLACES = 40

_DURATION = re.compile(r"^(?:(?P<d>\d+(?:\.\d+)?)d)?(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+)m)?$")


def canonical_decimal(value: Decimal | int | str, what: str = "amount") -> str:
    """The one spelling of a non-negative decimal: `1.50` → `1.5`, `2.0` → `2`, `007` → `7`."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{what}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite number")
    if number < 0:
        raise ValueError(f"{what}: {value!r} is negative")
    if number == 0:
        return "0"
    # Written out, 1e999999999 is a billion digits: refuse what no amount needs before writing it.
    _, digits, exponent = number.as_tuple()
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if number.adjusted() >= MAX_DIGITS or -(int(exponent) + trailing) > MAX_PLACES:
        raise ValueError(f"{what}: {value!r} has more than {MAX_DIGITS} digits before the point "
                         f"or {MAX_PLACES} after it")
    return decimal_text(number)


def decimal_text(number: Decimal) -> str:
    """The one spelling of a computed exact decimal, however many places it has.

    `canonical_decimal` bounds what people write; a share, a claim or a sum the rules compute from
    bounded inputs can need more places (a third of a small value), and must be written in full.
    """
    if number == 0:
        return "0"
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def parse_duration(text: str) -> str:
    """Hours, as a canonical decimal, from `1h30m`, `90m`, `2h`, `1.5h`, `1d` (a working day
    of 8 hours) or a bare number of hours."""
    spoken = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", spoken):
        hours = Decimal(spoken)
    else:
        match = _DURATION.match(spoken)
        if not spoken or match is None or not any(match.groupdict().values()):
            raise ValueError(f"duration {text!r}: write it like 1h30m, 90m, 2h, 1.5h or 1d")
        parts = match.groupdict()
        hours = (Decimal(parts["d"] or 0) * 8 + Decimal(parts["h"] or 0)
                 + Decimal(parts["m"] or 0) / 60)
        hours = hours.quantize(Decimal("0.000001"))
    if hours <= 0:
        raise ValueError(f"duration {text!r}: must be more than nothing")
    return canonical_decimal(hours, "duration")


def split_units(value: Decimal, scale: int) -> tuple[int, int]:
    """(whole units, parts of 1/scale) of a non-negative value with at most log10(scale) decimals."""
    scaled = EXACT.multiply(value, scale)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more decimals than 1/{scale}")
    return divmod(int(scaled), scale)


def day_of(time: str) -> str:
    """The calendar day (UTC) of an event time."""
    return time[:10]
