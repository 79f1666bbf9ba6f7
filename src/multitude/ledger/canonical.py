"""RFC 8785 canonical JSON, and the strict JSON reader events are parsed with.

Events never carry floats: a float has no single decimal reading across languages, so
amounts travel as canonical decimal strings. The reader refuses floats, NaN, duplicate keys
and integers outside the range every JSON implementation represents exactly.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

__all__ = ["MAX_SAFE_INTEGER", "CanonicalError", "canonical", "check_value", "parse_json"]

MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalError(ValueError):
    """The bytes are not JSON that an event may carry."""


def canonical(value: Any) -> bytes:
    """Encode `value` as RFC 8785 canonical JSON (UTF-8)."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as error:
        raise CanonicalError(str(error)) from error


def _refuse_float(text: str) -> Any:
    raise CanonicalError(f"floating-point number {text} is not allowed; write amounts as decimal strings")


def _refuse_constant(text: str) -> Any:
    raise CanonicalError(f"{text} is not valid JSON")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise CanonicalError(f"duplicate key {key!r}")
            seen.add(key)
    return result


def _parse_int(text: str) -> int:
    number = int(text)
    if abs(number) > MAX_SAFE_INTEGER:
        raise CanonicalError(f"integer {text} is outside the exactly representable range ±(2^53-1)")
    return number


def check_value(value: Any, where: str = "value") -> None:
    """Refuse what parse_json would refuse, in a value that did not come from JSON text."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalError(f"{where}: integer {value} is outside the exactly representable range ±(2^53-1)")
    elif isinstance(value, float):
        raise CanonicalError(
            f"{where}: floating-point number {value!r} is not allowed; write amounts as decimal strings"
        )
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{where}: object keys must be strings")
            check_value(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, f"{where}[{index}]")
    else:
        raise CanonicalError(f"{where}: {type(value).__name__} is not a JSON value")


def parse_json(data: bytes | str) -> Any:
    """Parse JSON strictly: no floats, no NaN or Infinity, no duplicate keys, safe integers only."""
    try:
        if isinstance(data, bytes | bytearray):
            data = data.decode("utf-8")  # strictly: json.loads would let encoded surrogates through
        return json.loads(
            data,
            parse_float=_refuse_float,
            parse_int=_parse_int,
            parse_constant=_refuse_constant,
            object_pairs_hook=_object,
        )
    except CanonicalError:
        raise
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise CanonicalError(f"not valid JSON: {error}") from error
