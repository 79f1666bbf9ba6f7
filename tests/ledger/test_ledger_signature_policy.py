"""The pinned Ed25519 verification policy, on every Wycheproof and CCTV case.

Two nodes must never disagree on which events exist, so which odd signatures
`verify_signature` accepts is pinned here case by case. The policy: ACCEPT exactly when the
only oddities are mixed-order components of A or R (the cofactorless equation still holds);
REJECT small-order A or R, non-canonical encodings of A or R, and a low-order residue
(a signature that only a cofactored equation would accept).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from multitude.ledger.keys import verify_signature

ED25519_DATA = Path(__file__).parents[1] / "data" / "ed25519"

ALLOWED_FLAGS = frozenset({"low_order_component_A", "low_order_component_R"})
REFUSED_FLAGS = frozenset(
    {
        "low_order_A",
        "low_order_R",
        "non_canonical_A",
        "non_canonical_R",
        "low_order_residue",
        "reencoded_k",  # only ever occurs together with one of the above
    }
)


def pinned_policy(flags: Iterable[str] | None) -> bool:
    """True when a CCTV case with these flags must be accepted."""
    flags = frozenset(flags or ())
    unknown = flags - ALLOWED_FLAGS - REFUSED_FLAGS
    assert not unknown, f"no decision pinned for flags {sorted(unknown)}"
    return flags <= ALLOWED_FLAGS


def _wycheproof_cases() -> list[dict[str, Any]]:
    data = json.loads((ED25519_DATA / "wycheproof-ed25519_test.json").read_bytes())
    return [
        {**test, "pk": group["publicKey"]["pk"]}
        for group in data["testGroups"]
        for test in group["tests"]
    ]


def _cctv_cases() -> list[dict[str, Any]]:
    data = (ED25519_DATA / "cctv-ed25519vectors.json").read_bytes()
    cases: list[dict[str, Any]] = json.loads(data)
    return cases


WYCHEPROOF = _wycheproof_cases()
CCTV = _cctv_cases()


def _accepts_cctv(case: dict[str, Any]) -> bool:
    return verify_signature(
        bytes.fromhex(case["key"]), case["msg"].encode(), bytes.fromhex(case["sig"])
    )


# --- Wycheproof ----------------------------------------------------------------------------------


def test_wycheproof_file_holds_151_cases_of_which_88_are_valid() -> None:
    assert len(WYCHEPROOF) == 151
    assert len({case["tcId"] for case in WYCHEPROOF}) == 151
    assert sum(case["result"] == "valid" for case in WYCHEPROOF) == 88
    assert {case["result"] for case in WYCHEPROOF} == {"valid", "invalid"}


@pytest.mark.parametrize("case", WYCHEPROOF, ids=[f"tcId {case['tcId']}" for case in WYCHEPROOF])
def test_verify_signature_accepts_exactly_the_valid_wycheproof_cases(case: dict[str, Any]) -> None:
    accepted = verify_signature(
        bytes.fromhex(case["pk"]), bytes.fromhex(case["msg"]), bytes.fromhex(case["sig"])
    )
    assert accepted == (case["result"] == "valid"), f"tcId {case['tcId']}: {case['comment']}"


# --- CCTV ----------------------------------------------------------------------------------------


def test_cctv_file_holds_914_numbered_cases() -> None:
    assert [case["number"] for case in CCTV] == list(range(914))


def test_pinned_policy_has_a_decision_for_every_cctv_flag() -> None:
    seen = frozenset(flag for case in CCTV for flag in case["flags"] or ())
    assert seen == ALLOWED_FLAGS | REFUSED_FLAGS


def test_reencoded_k_only_occurs_with_another_refused_flag() -> None:
    others = REFUSED_FLAGS - {"reencoded_k"}
    alone = [
        case["number"]
        for case in CCTV
        if "reencoded_k" in (case["flags"] or ()) and not others & set(case["flags"])
    ]
    assert alone == []


def test_pinned_policy_accepts_43_of_the_914_cctv_cases() -> None:
    accepted = [case for case in CCTV if pinned_policy(case["flags"])]
    assert len(accepted) == 43
    # One case has no flags at all (a plain valid signature), 7 have a mixed-order A,
    # 35 have both a mixed-order A and a mixed-order R.
    shapes = sorted(tuple(sorted(case["flags"] or ())) for case in accepted)
    assert shapes.count(()) == 1
    assert shapes.count(("low_order_component_A",)) == 7
    assert shapes.count(("low_order_component_A", "low_order_component_R")) == 35


def test_verify_signature_accepts_exactly_the_43_cctv_cases_the_policy_accepts() -> None:
    accepted = [case["number"] for case in CCTV if _accepts_cctv(case)]
    expected = [case["number"] for case in CCTV if pinned_policy(case["flags"])]
    assert len(accepted) == 43
    assert accepted == expected


@pytest.mark.parametrize("case", CCTV, ids=[f"cctv {case['number']}" for case in CCTV])
def test_verify_signature_follows_the_pinned_policy_on_cctv_case(case: dict[str, Any]) -> None:
    expected = pinned_policy(case["flags"])
    assert _accepts_cctv(case) == expected, (
        f"CCTV case {case['number']} with flags {case['flags']}: "
        f"expected {'ACCEPT' if expected else 'REJECT'}"
    )
