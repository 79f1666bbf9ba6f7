"""Ed25519 keys and signatures (RFC 8032 vectors), and the sealed form of a secret key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from multitude.ledger.keys import (
    Keypair,
    SealedSecretError,
    open_secret,
    seal_secret,
    verify_signature,
)

# RFC 8032 section 7.1, TESTs 1 to 3: (secret key seed, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]
RFC8032_IDS = ["test 1", "test 2", "test 3"]


def flipped(data: bytes, bit: int) -> bytes:
    """`data` with bit number `bit` (0 = lowest bit of the first byte) inverted."""
    changed = bytearray(data)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


# --- RFC 8032 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032, ids=RFC8032_IDS)
def test_keypair_derives_the_rfc8032_public_key(
    seed: str, public: str, message: str, signature: str
) -> None:
    assert Keypair(bytes.fromhex(seed)).public == public


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032, ids=RFC8032_IDS)
def test_keypair_signs_exactly_as_rfc8032(
    seed: str, public: str, message: str, signature: str
) -> None:
    assert Keypair(bytes.fromhex(seed)).sign(bytes.fromhex(message)).hex() == signature


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032, ids=RFC8032_IDS)
def test_verify_signature_accepts_the_rfc8032_signature(
    seed: str, public: str, message: str, signature: str
) -> None:
    assert verify_signature(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature))


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032, ids=RFC8032_IDS)
def test_verify_signature_refuses_any_flipped_bit_of_the_signature(
    seed: str, public: str, message: str, signature: str
) -> None:
    key, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    accepted = [bit for bit in range(len(sig) * 8) if verify_signature(key, msg, flipped(sig, bit))]
    assert accepted == []


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032, ids=RFC8032_IDS)
def test_verify_signature_refuses_any_flipped_bit_of_the_public_key(
    seed: str, public: str, message: str, signature: str
) -> None:
    key, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    accepted = [bit for bit in range(len(key) * 8) if verify_signature(flipped(key, bit), msg, sig)]
    assert accepted == []


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032, ids=RFC8032_IDS)
def test_verify_signature_refuses_a_changed_message(
    seed: str, public: str, message: str, signature: str
) -> None:
    key, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    changed = [flipped(msg, bit) for bit in range(len(msg) * 8)]
    changed += [msg + b"\x00", b"\x00" + msg]
    assert [m.hex() for m in changed if verify_signature(key, m, sig)] == []


def test_verify_signature_answers_false_for_keys_and_signatures_of_the_wrong_length() -> None:
    _, public, message, signature = RFC8032[1]
    key, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    assert verify_signature(key[:31], msg, sig) is False
    assert verify_signature(key + b"\x00", msg, sig) is False
    assert verify_signature(key, msg, sig[:63]) is False
    assert verify_signature(key, msg, sig + b"\x00") is False
    assert verify_signature(b"", msg, b"") is False


def test_a_signature_by_one_key_does_not_verify_under_another() -> None:
    alice, bob = Keypair(bytes.fromhex(RFC8032[1][0])), Keypair(bytes.fromhex(RFC8032[2][0]))
    signature = alice.sign(b"contribution")
    assert verify_signature(bytes.fromhex(alice.public), b"contribution", signature)
    assert not verify_signature(bytes.fromhex(bob.public), b"contribution", signature)


# --- Keypair -----------------------------------------------------------------------------------


def test_keypair_repr_shows_the_public_key_and_never_the_seed() -> None:
    seed, public, _, _ = RFC8032[0]
    key = Keypair(bytes.fromhex(seed))
    for shown in (repr(key), str(key), f"{key}", repr([key])):
        assert seed not in shown
        assert seed.upper() not in shown
        assert repr(bytes.fromhex(seed)) not in shown
        assert public in shown


def test_generated_keypairs_are_distinct_and_sign_verifiably() -> None:
    first, second = Keypair.generate(), Keypair.generate()
    assert len(first.seed) == 32
    assert first.seed != second.seed
    assert first.public != second.public
    assert verify_signature(bytes.fromhex(first.public), b"hello", first.sign(b"hello"))


def test_keypair_public_key_is_64_lowercase_hex_digits() -> None:
    public = Keypair.generate().public
    assert len(public) == 64
    assert public == public.lower()
    assert bytes.fromhex(public).hex() == public


# --- sealed secret keys (each seal or open runs Argon2id at the moderate limits) ---------------

SEED = bytes.fromhex(RFC8032[2][0])
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def sealed() -> dict[str, Any]:
    return seal_secret(SEED, PASSPHRASE)


def test_open_secret_returns_the_sealed_seed(sealed: dict[str, Any]) -> None:
    assert open_secret(sealed, PASSPHRASE) == SEED


def test_open_secret_refuses_a_wrong_passphrase(sealed: dict[str, Any]) -> None:
    with pytest.raises(SealedSecretError):
        open_secret(sealed, PASSPHRASE + " ")


def test_open_secret_refuses_a_damaged_box(sealed: dict[str, Any]) -> None:
    box = bytearray(bytes.fromhex(sealed["box"]))
    box[-1] ^= 0x01
    with pytest.raises(SealedSecretError):
        open_secret({**sealed, "box": box.hex()}, PASSPHRASE)


@pytest.mark.parametrize(
    "damage", ["missing box", "box not hex", "salt not hex", "opslimit not int"]
)
def test_open_secret_reports_an_unreadable_key_file_as_sealed_secret_error(
    sealed: dict[str, Any], damage: str
) -> None:
    broken = dict(sealed)
    if damage == "missing box":
        del broken["box"]
    elif damage == "box not hex":
        broken["box"] = "zz"
    elif damage == "salt not hex":
        broken["salt"] = "not hex"
    else:
        broken["opslimit"] = "many"
    with pytest.raises(SealedSecretError):
        open_secret(broken, PASSPHRASE)


def test_sealed_secret_is_json_and_does_not_show_the_seed(sealed: dict[str, Any]) -> None:
    text = json.dumps(sealed)
    assert SEED.hex() not in text
    assert sealed["kdf"] == "argon2id"
    assert json.loads(text) == sealed


def test_sealing_twice_uses_a_fresh_salt(sealed: dict[str, Any]) -> None:
    again = seal_secret(SEED, PASSPHRASE)
    assert again["salt"] != sealed["salt"]
    assert again["box"] != sealed["box"]
