"""Identities on this machine: Ed25519 key files in `$MULTITUDE_HOME/keys/`.

A key file is readable only by its owner (mode 0600) and may be sealed with a passphrase.
Several identities can live in one home; one of them is the default.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from multitude.ledger import Keypair
from multitude.ledger.keys import SealedSecretError, open_secret, seal_secret

__all__ = ["Identity", "Keyring", "KeyringError"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_FORMAT = "multitude-key/v1"


class KeyringError(Exception):
    """An identity cannot be created or opened; the message says why."""


@dataclass(frozen=True)
class Identity:
    name: str
    public: str
    sealed: bool


class Keyring:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.folder = home / "keys"

    def _path(self, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise KeyringError(
                f"identity name {name!r} must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        return self.folder / f"{name}.key"

    def create(self, name: str, passphrase: str | None = None, key: Keypair | None = None) -> Identity:
        """Make a new identity (a fresh key unless one is given) and store it."""
        path = self._path(name)
        key = key or Keypair.generate()
        secret = seal_secret(key.seed, passphrase) if passphrase else {"seed": key.seed.hex()}
        document = {"format": _FORMAT, "name": name, "public": key.public, "secret": secret}
        first = not self.names()
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyringError(f"an identity named {name!r} already exists in {self.folder}") from None
        with os.fdopen(fd, "w") as handle:
            json.dump(document, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        if first:
            self.set_default(name)
        return Identity(name, key.public, passphrase is not None)

    def _document(self, name: str) -> dict[str, object]:
        path = self._path(name)
        try:
            document = json.loads(path.read_text())
        except FileNotFoundError:
            known = ", ".join(self.names()) or "none yet; run `multitude init`"
            raise KeyringError(f"no identity named {name!r} (identities here: {known})") from None
        except (OSError, ValueError) as error:
            raise KeyringError(f"key file {path} cannot be read: {error}") from error
        if not isinstance(document, dict) or document.get("format") != _FORMAT:
            raise KeyringError(f"{path} is not a Multitude key file")
        return document

    def identity(self, name: str) -> Identity:
        document = self._document(name)
        secret = document["secret"]
        return Identity(name, str(document["public"]), isinstance(secret, dict) and "box" in secret)

    def load(self, name: str, passphrase: str | None = None) -> Keypair:
        document = self._document(name)
        secret = document["secret"]
        if not isinstance(secret, dict):
            raise KeyringError(f"key file of {name!r} is damaged")
        if "box" in secret:
            if passphrase is None:
                raise KeyringError(f"identity {name!r} is sealed with a passphrase; give it (MULTITUDE_PASSPHRASE)")
            try:
                seed = open_secret(secret, passphrase)
            except SealedSecretError as error:
                raise KeyringError(f"identity {name!r}: {error}") from error
        else:
            seed = bytes.fromhex(str(secret["seed"]))
        key = Keypair(seed)
        if key.public != document["public"]:
            raise KeyringError(f"key file of {name!r} is damaged: its key does not match its public key")
        return key

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(path.stem for path in self.folder.glob("*.key"))

    def default(self) -> str | None:
        marker = self.folder / "default"
        if marker.is_file():
            name = marker.read_text().strip()
            if name in self.names():
                return name
        names = self.names()
        return names[0] if len(names) == 1 else None

    def set_default(self, name: str) -> None:
        self._path(name)
        (self.folder / "default").write_text(name + "\n")
