"""Identities on this machine: Ed25519 key files in `$MULTITUDE_HOME/keys/`.

A key file is readable only by its owner (mode 0600) and may be sealed with a passphrase.
Several identities can live in one home; one of them is the default.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from multitude.ledger import Keypair
from multitude.ledger.keys import SealedSecretError, open_secret, seal_secret

__all__ = ["Identity", "Keyring", "KeyringError"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_FORMAT = "multitude-key/v1"


def _publish(temporary: str, path: Path) -> None:
    """Put a finished file under its name, never over an existing one."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:  # file systems without hard links (FAT on a USB stick): rename, checked first
        if path.exists():
            raise FileExistsError(path) from None
        os.rename(temporary, path)


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
        if path.exists():
            raise KeyringError(f"an identity named {name!r} already exists in {self.folder}")
        # Written whole to a private temporary file, then linked into place: a crash never
        # leaves half a key under the name, and an existing key is never overwritten.
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=self.folder)
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(document, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            _publish(temporary, path)
        except FileExistsError:
            raise KeyringError(f"an identity named {name!r} already exists in {self.folder}") from None
        except OSError as error:
            raise KeyringError(f"cannot write the key file {path}: {error}") from error
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
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
        if not isinstance(document.get("public"), str) or not isinstance(document.get("secret"), dict):
            raise KeyringError(f"key file {path} is damaged: it lacks its public key or its secret")
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
            try:
                seed = bytes.fromhex(str(secret["seed"]))
            except (KeyError, ValueError):
                raise KeyringError(f"key file of {name!r} is damaged: its seed is not readable") from None
        if len(seed) != 32:
            raise KeyringError(f"key file of {name!r} is damaged: its seed is not 32 bytes")
        key = Keypair(seed)
        if key.public != document["public"]:
            raise KeyringError(f"key file of {name!r} is damaged: its key does not match its public key")
        return key

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(path.stem for path in self.folder.glob("*.key") if _NAME.fullmatch(path.stem))

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
