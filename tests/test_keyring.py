"""Identities on disk: private files, written whole, and damage reported as such."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from multitude.keyring import Keyring, KeyringError


def test_a_key_file_is_private_whole_and_never_overwritten(tmp_path: Path) -> None:
    keyring = Keyring(tmp_path)
    made = keyring.create("ana")
    path = tmp_path / "keys" / "ana.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert keyring.load("ana").public == made.public
    with pytest.raises(KeyringError, match="an identity named 'ana' already exists"):
        keyring.create("ana")
    assert keyring.load("ana").public == made.public
    assert [p.name for p in (tmp_path / "keys").iterdir() if p.suffix == ".part"] == []


def test_the_first_identity_stays_the_default(tmp_path: Path) -> None:
    keyring = Keyring(tmp_path)
    keyring.create("ana")
    keyring.create("bo")
    assert keyring.default() == "ana"


def test_a_damaged_key_file_is_reported_not_crashed_on(tmp_path: Path) -> None:
    keyring = Keyring(tmp_path)
    keyring.create("ana")
    path = tmp_path / "keys" / "ana.key"
    document = json.loads(path.read_text())
    document["secret"]["seed"] = "zz"
    path.write_text(json.dumps(document))
    with pytest.raises(KeyringError, match="its seed is not readable"):
        keyring.load("ana")
    del document["secret"]
    path.write_text(json.dumps(document))
    with pytest.raises(KeyringError, match="lacks its public key or its secret"):
        keyring.identity("ana")


def test_stray_files_in_the_key_folder_are_not_identities(tmp_path: Path) -> None:
    keyring = Keyring(tmp_path)
    keyring.create("ana")
    (tmp_path / "keys" / "bad name.key").write_text("{}")
    assert keyring.names() == ["ana"]


def test_a_sealed_key_needs_its_passphrase(tmp_path: Path) -> None:
    keyring = Keyring(tmp_path)
    made = keyring.create("ana", passphrase="correct horse")
    assert keyring.identity("ana").sealed
    with pytest.raises(KeyringError, match="sealed with a passphrase"):
        keyring.load("ana")
    with pytest.raises(KeyringError, match="wrong passphrase"):
        keyring.load("ana", "battery staple")
    assert keyring.load("ana", "correct horse").public == made.public
