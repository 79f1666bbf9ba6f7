"""Hosted identities: people who log in to this node with a name and a password, and for whom
the node signs. What is stored never lets anyone sign without a secret the person holds:

- the password is kept as an Argon2id hash (libsodium's `crypto_pwhash_str`);
- the account's Ed25519 seed is sealed under a key derived from the password (Argon2id again);
  an identity a person brings is never kept: the node makes the account a key of its own and
  has the identity link it as one of its devices, so the two never sign on one chain;
- each session or API token is a random secret the client keeps; the node stores its SHA-256
  and a copy of the seed sealed under a key derived from the secret. A stolen database holds
  no usable key, and revoking a credential deletes its copy.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import nacl.exceptions
import nacl.pwhash
import nacl.secret

from multitude.api.problems import Conflict, Invalid, Unauthenticated
from multitude.ledger import Keypair
from multitude.ledger.keys import SealedSecretError, open_secret, seal_secret
from multitude.store import AccountRow, CredentialRow, Store

__all__ = ["Caller", "Hosting", "Issued", "credential_digest"]

SESSION_DAYS = 14
_REMEMBER = 10.0  # seconds a looked-up credential is trusted without asking the store again
_REMEMBERED = 10_000
TOKEN_DAYS = 365
MIN_PASSWORD = 10
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{1,31}")
_WRONG = "wrong name or password"


@dataclass(frozen=True)
class Caller:
    """Who a request speaks for: the account, its key, and the credential it came with."""

    account: str
    key: Keypair
    kind: str  # session | token
    digest: str
    csrf: str
    expires: str



@dataclass(frozen=True)
class Issued:
    """A new session or token: `secret` is shown to the client once and never stored."""

    secret: str
    row: CredentialRow


def credential_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _box(secret: str) -> nacl.secret.SecretBox:
    key = hashlib.blake2b(secret.encode(), digest_size=32, person=b"multitude-cred").digest()
    return nacl.secret.SecretBox(key)


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class Hosting:
    """Accounts, sessions and tokens kept in the node's store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._recent: OrderedDict[str, tuple[float, Caller]] = OrderedDict()

    # -- accounts --------------------------------------------------------------------------
    # Hashing and sealing take a good fraction of a second on purpose: `new_account` and `unlock`
    # touch no store, so a server runs them off its event loop; `add` and `account` are quick.
    @staticmethod
    def check_new(name: str, password: str) -> None:
        """Refuse a login name or password no account may have, naming which."""
        if not _NAME.fullmatch(name):
            raise Invalid("name must be 2-32 lower-case letters, digits, '.', '_' or '-', "
                          "starting with a letter or digit", "name")
        if len(password) < MIN_PASSWORD:
            raise Invalid(f"password must be at least {MIN_PASSWORD} characters", "password")
        if len(password) > 1024:
            raise Invalid("password must be at most 1024 characters", "password")

    @staticmethod
    def new_account(name: str, password: str, agent: str | None = None) -> tuple[AccountRow, Keypair]:
        """A new account and its own new key: the account's identity, or a device of `agent`
        (an identity the person brings; see views.me.sign_up)."""
        Hosting.check_new(name, password)
        key = Keypair.generate()
        row = AccountRow(
            name=name,
            agent=agent or key.public,
            password_hash=nacl.pwhash.argon2id.str(password.encode()).decode(),
            sealed_key=json.dumps(seal_secret(key.seed, password, interactive=True)),
            created=_stamp(_now()),
        )
        return row, key

    def add(self, row: AccountRow) -> None:
        if not self.store.add_account(row):
            taken = self.store.account(row.name) is not None
            raise Conflict(f"the name {row.name!r} is taken" if taken else "this identity already has an account here",
                           "name" if taken else "secret")

    def account(self, name: str) -> AccountRow | None:
        """The account of that login name; None for a name no account could have."""
        return self.store.account(name) if _NAME.fullmatch(name) else None

    @staticmethod
    def unlock(row: AccountRow | None, password: str) -> Keypair:
        """The account's key, when the password is right."""
        if row is None:
            # Spend the same time as for a real account, so timing does not tell which names exist.
            nacl.pwhash.argon2id.str(password.encode())
            raise Unauthenticated(_WRONG)
        try:
            nacl.pwhash.argon2id.verify(row.password_hash.encode(), password.encode())
            seed = open_secret(json.loads(row.sealed_key), password)
        except (nacl.exceptions.InvalidkeyError, SealedSecretError):
            raise Unauthenticated(_WRONG) from None
        return Keypair(seed)

    @staticmethod
    def resealed(password: str, key: Keypair) -> tuple[str, str]:
        """A new password's hash, and the account's key sealed under it (slow, like new_account)."""
        if len(password) < MIN_PASSWORD:
            raise Invalid(f"password must be at least {MIN_PASSWORD} characters", "new_password")
        if len(password) > 1024:
            raise Invalid("password must be at most 1024 characters", "new_password")
        return (nacl.pwhash.argon2id.str(password.encode()).decode(),
                json.dumps(seal_secret(key.seed, password, interactive=True)))

    def change_password(self, account: str, password_hash: str, sealed_key: str, keep: str) -> None:
        """Store a new password; every other session and token of the account ends (`keep` is
        the digest of the session that changed it)."""
        self.store.set_password(account, password_hash, sealed_key)
        others = [row.digest for row in self.store.credentials(account) if row.digest != keep]
        self.store.drop_credentials(others)
        for digest in others:
            self._recent.pop(digest, None)

    # -- sessions and tokens ---------------------------------------------------------------
    def issue(self, account: str, key: Keypair, kind: str = "session", label: str = "",
              days: int = SESSION_DAYS, until: str | None = None) -> Issued:
        """A new credential for `days`, and never beyond `until` (a token made with a token does
        not outlive it)."""
        secret = secrets.token_urlsafe(32)
        now = _now()
        self.store.drop_expired_credentials(_stamp(now))  # what expired is forgotten, not kept forever
        expires = _stamp(now + timedelta(days=days))
        row = CredentialRow(
            digest=credential_digest(secret),
            account=account,
            kind=kind,
            label="".join(character for character in label if character.isprintable())[:120],
            sealed_key=bytes(_box(secret).encrypt(key.seed)).hex(),
            csrf=secrets.token_urlsafe(24),
            created=_stamp(now),
            expires=min(expires, until) if until else expires,
        )
        self.store.add_credential(row)
        return Issued(secret, row)

    def caller(self, secret: str) -> Caller | None:
        """Who holds this session or token secret; None if it is unknown, revoked or expired.

        What was found is remembered for a few seconds (a request needs no query of its own);
        a revocation here forgets it at once, one made by another process within those seconds."""
        digest = credential_digest(secret)
        kept = self._recent.get(digest)
        if kept is not None and time.monotonic() - kept[0] < _REMEMBER and kept[1].expires > _stamp(_now()):
            self._recent.move_to_end(digest)
            return kept[1]
        row = self.store.credential(digest)
        if row is None or row.expires <= _stamp(_now()):
            self._recent.pop(digest, None)
            return None
        try:
            seed = _box(secret).decrypt(bytes.fromhex(row.sealed_key))
        except (nacl.exceptions.CryptoError, ValueError):
            return None
        found = Caller(row.account, Keypair(seed), row.kind, row.digest, row.csrf, row.expires)
        self._recent[digest] = (time.monotonic(), found)
        if len(self._recent) > _REMEMBERED:
            self._recent.popitem(last=False)
        return found

    def credentials(self, account: str) -> list[CredentialRow]:
        return self.store.credentials(account)

    def revoke(self, account: str, digest: str) -> bool:
        """Revoke one of `account`'s credentials by its digest (or a unique prefix of 8+)."""
        found = [row.digest for row in self.store.credentials(account)
                 if len(digest) >= 8 and row.digest.startswith(digest)]
        if len(found) != 1:
            return False
        self.store.drop_credentials(found)
        self._recent.pop(found[0], None)
        return True
