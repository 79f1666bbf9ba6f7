"""Tampering with a node's SQLite file behind its back, then asking the installed `multitude`
script to verify it: every kind of damage is found, named, and makes the command exit 1."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tamper import remove_guards

SCRIPT = shutil.which("multitude", path=str(Path(sys.executable).parent))


def multitude(*args: str) -> subprocess.CompletedProcess[str]:
    assert SCRIPT is not None, f"no `multitude` script beside {sys.executable}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("MULTITUDE_")}
    env["COLUMNS"] = "250"
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=120)


def flat(result: subprocess.CompletedProcess[str]) -> str:
    return " ".join((result.stdout + result.stderr).split())


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo") / "home"
    loaded = multitude("--home", str(home), "demo")
    assert loaded.returncode == 0, loaded.stderr
    return home


@pytest.fixture
def home(demo_home: Path, tmp_path: Path) -> Iterator[Path]:
    """A fresh copy of the demo's home, free to damage."""
    copy = tmp_path / "home"
    shutil.copytree(demo_home, copy)
    yield copy


def tamper(home: Path, sql: str, params: tuple[object, ...] = ()) -> int:
    """Change the database as an attacker would: first drop the guards that refuse edits."""
    remove_guards(str(home / "multitude.db"))
    with sqlite3.connect(home / "multitude.db") as db:
        changed = db.execute(sql, params).rowcount
    db.close()
    return changed


def one_event(home: Path, where: str) -> tuple[str, bytes]:
    db = sqlite3.connect(home / "multitude.db")
    try:
        query = f"SELECT id, payload FROM events WHERE {where} LIMIT 1"
        event_id, payload = db.execute(query).fetchone()
    finally:
        db.close()
    return event_id, bytes(payload)


def test_an_untouched_copy_verifies(home: Path) -> None:
    result = multitude("--home", str(home), "verify")

    assert result.returncode == 0, result.stdout
    assert "Intact:" in result.stdout


@pytest.mark.parametrize("where", ["a letter of the body", "the opening brace"])
def test_a_changed_byte_in_a_stored_payload_is_found(home: Path, where: str) -> None:
    event_id, payload = one_event(home, "type = 'agent.profile'")
    at = payload.index(b'"name":"') + len(b'"name":"') if where == "a letter of the body" else 0
    damaged = payload[:at] + bytes([payload[at] ^ 0x01]) + payload[at + 1 :]
    assert len(damaged) == len(payload) and damaged != payload
    assert tamper(home, "UPDATE events SET payload = ? WHERE id = ?", (damaged, event_id)) == 1

    result = multitude("--home", str(home), "verify")

    assert result.returncode == 1
    shown = flat(result)
    assert event_id[:12] in shown
    assert "Not intact" in shown


def test_a_changed_projection_row_is_found_and_named(home: Path) -> None:
    assert tamper(home, "UPDATE p_memberships SET status = 'member' WHERE status = 'declined'") == 1

    result = multitude("--home", str(home), "verify")

    assert result.returncode == 1
    shown = flat(result)
    assert "memberships:" in shown
    assert "a fresh fold gives" in shown
    assert "'declined'" in shown


def test_a_deleted_event_is_found(home: Path) -> None:
    event_id, _ = one_event(home, "type = 'membership.declined'")
    assert tamper(home, "DELETE FROM events WHERE id = ?", (event_id,)) == 1

    result = multitude("--home", str(home), "verify")

    assert result.returncode == 1
    assert event_id[:12] in flat(result)


def test_rebuild_repairs_a_damaged_projection(home: Path) -> None:
    digest = multitude("--home", str(home), "digest").stdout.strip()
    tamper(home, "UPDATE p_memberships SET status = 'member' WHERE status = 'declined'")
    assert multitude("--home", str(home), "digest").stdout.strip() != digest

    assert multitude("--home", str(home), "rebuild").returncode == 0

    assert multitude("--home", str(home), "verify").returncode == 0
    assert multitude("--home", str(home), "digest").stdout.strip() == digest


def test_help_answers(record_property: Callable[[str, object], None]) -> None:
    """Timed for the record (`multitude --help` should answer at once), never asserted."""
    started = time.perf_counter()
    result = multitude("--help")
    record_property("help_seconds", round(time.perf_counter() - started, 3))

    assert result.returncode == 0
    assert "Usage" in result.stdout
    for group in ("init", "network", "verify", "export", "import", "demo"):
        assert group in result.stdout
