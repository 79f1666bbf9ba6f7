"""Ed25519 keys, signatures and the sealed form of a secret key.

Every node verifies with the same library (libsodium, through PyNaCl) so that two nodes never
disagree on which signatures are valid. Its policy on edge cases is pinned by the tests in
tests/ledger/test_ledger_signature_policy.py: small-order public keys and R points, non-canonical
encodings and S >= L are refused; the equation checked is the cofactorless one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.signing
import nacl.utils

__all__ = ["Keypair", "SealedSecretError", "open_secret", "seal_secret", "verify_signature"]

_KDF = nacl.pwhash.argon2id


class SealedSecretError(ValueError):
    """A sealed secret key could not be opened (wrong passphrase or damaged)."""


@dataclass(frozen=True)
class Keypair:
    """A signing key and its public half, the author identity of events."""

    seed: bytes

    @classmethod
    def generate(cls) -> Keypair:
        return cls(bytes(nacl.signing.SigningKey.generate()))

    @property
    def _signing_key(self) -> nacl.signing.SigningKey:
        return _signing_key(self.seed)

    @property
    def public(self) -> str:
        """The public key as 64 lowercase hex digits."""
        return self._signing_key.verify_key.encode().hex()

    def sign(self, message: bytes) -> bytes:
        return self._signing_key.sign(message).signature

    def __repr__(self) -> str:  # never print the seed
        return f"Keypair(public={self.public})"


@lru_cache(maxsize=64)
def _signing_key(seed: bytes) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(seed)


@lru_cache(maxsize=8192)
def _verify_key(public: bytes) -> nacl.signing.VerifyKey:
    return nacl.signing.VerifyKey(public)


def verify_signature(public: bytes, message: bytes, signature: bytes) -> bool:
    """True when `signature` is a valid Ed25519 signature of `message` by `public`."""
    if len(public) != 32 or len(signature) != 64:
        return False
    try:
        _verify_key(public).verify(message, signature)
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def seal_secret(seed: bytes, passphrase: str, *, interactive: bool = False) -> dict[str, Any]:
    """Encrypt a seed under a passphrase (Argon2id key derivation, XSalsa20-Poly1305).

    Key files on disk use libsodium's "moderate" limits; `interactive` picks its lighter ones,
    for keys a server opens at each login (a person waits for it, and many may log in at once).
    """
    salt = nacl.utils.random(_KDF.SALTBYTES)
    if interactive:
        opslimit, memlimit = _KDF.OPSLIMIT_INTERACTIVE, _KDF.MEMLIMIT_INTERACTIVE
    else:
        opslimit, memlimit = _KDF.OPSLIMIT_MODERATE, _KDF.MEMLIMIT_MODERATE
    key = _KDF.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode(), salt, opslimit, memlimit)
    box = nacl.secret.SecretBox(key).encrypt(seed)
    return {
        "kdf": "argon2id",
        "opslimit": opslimit,
        "memlimit": memlimit,
        "salt": salt.hex(),
        "box": bytes(box).hex(),
    }


def open_secret(sealed: dict[str, Any], passphrase: str) -> bytes:
    """Decrypt what `seal_secret` produced; raises SealedSecretError on a wrong passphrase."""
    try:
        key = _KDF.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode(),
            bytes.fromhex(sealed["salt"]),
            int(sealed["opslimit"]),
            int(sealed["memlimit"]),
        )
        seed: bytes = nacl.secret.SecretBox(key).decrypt(bytes.fromhex(sealed["box"]))
    except (nacl.exceptions.CryptoError, KeyError, ValueError, TypeError) as error:
        raise SealedSecretError("wrong passphrase, or the key file is damaged") from error
    return seed
