"""RFC 8785 canonical JSON, and the strict reader events are parsed with."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from multitude.ledger.canonical import MAX_SAFE_INTEGER, CanonicalError, canonical, parse_json

JCS_DATA = Path(__file__).parents[1] / "data" / "jcs"
JCS_NAMES = sorted(path.name.removeprefix("in_") for path in JCS_DATA.glob("in_*.json"))


def from_bits(hex_bits: str) -> float:
    """The binary64 whose IEEE-754 bit pattern is `hex_bits` (16 hex digits, big-endian)."""
    value: float = struct.unpack(">d", bytes.fromhex(hex_bits))[0]
    return value


# --- canonical: the cyberphone/json-canonicalization test data ------------------------------


def test_every_jcs_input_has_its_expected_output() -> None:
    assert JCS_NAMES == [
        "arrays.json",
        "french.json",
        "structures.json",
        "unicode.json",
        "values.json",
        "weird.json",
    ]
    for name in JCS_NAMES:
        assert (JCS_DATA / f"out_{name}").is_file(), name


@pytest.mark.parametrize("name", JCS_NAMES)
def test_canonical_matches_the_jcs_expected_bytes_exactly(name: str) -> None:
    value = json.loads((JCS_DATA / f"in_{name}").read_bytes())
    # The out_ files end with the last brace, no newline: compare every byte.
    expected = (JCS_DATA / f"out_{name}").read_bytes()
    assert canonical(value) == expected


def test_canonical_sorts_keys_by_utf16_code_units_not_code_points() -> None:
    # U+1F602 is the surrogate pair D83D DE02, which sorts before U+FB33 in UTF-16.
    assert canonical({"\ufb33": 1, "\U0001f602": 2}) == '{"\U0001f602":2,"\ufb33":1}'.encode()


def test_canonical_writes_utf8_and_escapes_only_what_json_requires() -> None:
    expected = b'["\xc3\xa9","\\n","\\u001f","\\"","\\\\","/"]'
    assert canonical(["é", "\n", "\x1f", '"', "\\", "/"]) == expected


def test_canonical_refuses_integers_outside_the_safe_range() -> None:
    assert canonical(MAX_SAFE_INTEGER) == b"9007199254740991"
    with pytest.raises(CanonicalError):
        canonical(MAX_SAFE_INTEGER + 1)
    with pytest.raises(CanonicalError):
        canonical(-(MAX_SAFE_INTEGER + 1))


# --- canonical: RFC 8785 Appendix B, number serialisation ------------------------------------

APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("hex_bits", "expected"), APPENDIX_B, ids=[b for b, _ in APPENDIX_B])
def test_canonical_formats_numbers_as_rfc8785_appendix_b(hex_bits: str, expected: str) -> None:
    assert canonical(from_bits(hex_bits)) == expected.encode()


@pytest.mark.parametrize(
    "hex_bits",
    ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"],
    ids=["NaN", "Infinity", "-Infinity"],
)
def test_canonical_refuses_nan_and_infinity(hex_bits: str) -> None:
    with pytest.raises(CanonicalError):
        canonical(from_bits(hex_bits))
    with pytest.raises(CanonicalError):
        canonical({"amount": [from_bits(hex_bits)]})


# --- parse_json: the strict reader -----------------------------------------------------------


@pytest.mark.parametrize("text", ["1.0", "1e5", "1E5", "-0.0", "0.5", "[1.5]", '{"a": {"b": 2.0}}'])
def test_parse_json_refuses_floats_and_points_to_decimal_strings(text: str) -> None:
    with pytest.raises(CanonicalError, match="decimal strings"):
        parse_json(text)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "[NaN]", '{"a": Infinity}'])
def test_parse_json_refuses_nan_and_infinity(text: str) -> None:
    with pytest.raises(CanonicalError):
        parse_json(text)


@pytest.mark.parametrize(
    "text",
    ['{"a": 1, "a": 1}', '{"a": 1, "b": {"c": 1, "c": 2}}', '[{"x": [], "x": []}]'],
    ids=["top level", "nested object", "object in array"],
)
def test_parse_json_refuses_duplicate_keys(text: str) -> None:
    with pytest.raises(CanonicalError, match="duplicate key"):
        parse_json(text)


@pytest.mark.parametrize("number", [2**53, -(2**53), 2**64])
def test_parse_json_refuses_integers_beyond_the_safe_range(number: int) -> None:
    with pytest.raises(CanonicalError, match="2\\^53-1"):
        parse_json(str(number))
    with pytest.raises(CanonicalError):
        parse_json(f'{{"amount": [{number}]}}')


def test_parse_json_accepts_the_largest_safe_integers_exactly() -> None:
    assert parse_json(f"[{2**53 - 1}, {-(2**53 - 1)}]") == [2**53 - 1, -(2**53 - 1)]
    assert MAX_SAFE_INTEGER == 2**53 - 1


def test_parse_json_reads_bytes_and_text_alike() -> None:
    text = '{"b": [true, false, null], "a": "péché", "n": -7}'
    expected = {"b": [True, False, None], "a": "péché", "n": -7}
    assert parse_json(text) == expected
    assert parse_json(text.encode()) == expected


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("", id="empty"),
        pytest.param("{", id="unclosed"),
        pytest.param("[1,]", id="trailing comma"),
        pytest.param("{'a': 1}", id="single quotes"),
        pytest.param("[1]]", id="extra data"),
        pytest.param("tru", id="bad literal"),
        pytest.param('{"a" 1}', id="missing colon"),
        pytest.param("[" * 100_000, id="nested too deep"),
    ],
)
def test_parse_json_reports_invalid_json_as_canonical_error(data: str) -> None:
    with pytest.raises(CanonicalError, match="not valid JSON"):
        parse_json(data)


@pytest.mark.parametrize(
    "data",
    [b'"\xc3\x28"', b'"\xff"', b'"\xc0\xaf"', b'{"a": "\xed\xa0\x80"}'],
    ids=["bad continuation", "byte ff", "overlong", "encoded surrogate"],
)
def test_parse_json_reports_invalid_utf8_as_canonical_error(data: bytes) -> None:
    with pytest.raises(CanonicalError):
        parse_json(data)
