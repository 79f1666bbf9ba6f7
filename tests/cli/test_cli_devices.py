"""A person links a second device from the command line, uses it, and unlinks it when lost."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli_fixtures import Cli

from multitude.keyring import Keyring
from multitude.ledger import seal
from multitude.ledger.event import event_time
from multitude.node import Node


def test_a_linked_phone_acts_for_its_person_until_unlinked(tmp_path: Path, cli: Cli) -> None:
    home = tmp_path / "home"
    for name in ("ana", "phone"):
        assert cli(home, "init", "--name", name)[0] == 0
    ana = Keyring(home).identity("ana").public
    phone = Keyring(home).identity("phone").public
    assert cli(home, "--as", "ana", "profile", "set", "--name", "Ana")[0] == 0
    assert cli(home, "--as", "ana", "network", "create", "Camp", "--membership", "approval")[0] == 0

    code, consent = cli(home, "--as", "phone", "device", "consent", ana)
    assert code == 0
    command = re.search(r"multitude device link ([0-9a-f]{64}) ([0-9a-f]{128})", consent)
    assert command is not None and command.group(1) == phone
    assert cli(home, "--as", "ana", "device", "link", phone, command.group(2), "--label", "phone")[0] == 0

    code, shown = cli(home, "--as", "ana", "profile", "show")
    assert f"device {phone} 'phone' (linked)" in shown
    # From the phone, Ana is already a member and custodian: the phone speaks for her.
    code, refused = cli(home, "--as", "phone", "network", "join", "Camp")
    assert (code, refused) == (1, "error: already a member")
    assert cli(home, "--as", "phone", "network", "amend", "Camp", "--purpose", "Set from the phone")[0] == 0

    assert cli(home, "--as", "ana", "device", "unlink", phone, "--reason", "phone lost")[0] == 0
    code, after = cli(home, "--as", "phone", "network", "amend", "Camp", "--purpose", "Stolen phone")
    assert code == 1
    assert after == f"error: this device key was unlinked from agent {ana[:12]}"
    code, shown = cli(home, "network", "show", "Camp")
    assert "Set from the phone" in shown and "Stolen phone" not in shown


def test_a_link_with_a_forged_proof_is_refused(tmp_path: Path, cli: Cli) -> None:
    home = tmp_path / "home"
    cli(home, "init", "--name", "ana")
    stranger = "ab" * 32
    code, message = cli(home, "device", "link", stranger, "00" * 64)
    assert code == 1
    assert message == "error: the device's proof is not its signature of consent to this agent"


def test_an_author_who_equivocated_is_flagged_where_people_look(tmp_path: Path, cli: Cli) -> None:
    home = tmp_path / "home"
    cli(home, "init", "--name", "ana")
    cli(home, "network", "create", "Camp")
    cli(home, "profile", "set", "--name", "Ana")
    ana = Keyring(home).load("ana")
    with Node.open(home) as node:
        seq, last = node.store.head(ana.public) or (0, "")
        prev = node.store.events_by_id([last])[0].prev
    # A second device sharing Ana's key signs her last seq again, later: a fork of her chain.
    twin = seal(ana, seq=seq, prev=prev, type="agent.profile", body={"v": 1, "kind": "person", "name": "Ana bis"},
                time=event_time(datetime.now(UTC) + timedelta(minutes=5)))
    with Node.open(home) as node:
        node.submit([twin.wire()])
    code, shown = cli(home, "network", "show", "Camp")
    assert code == 0 and "Ana (equivocated)" in shown
    code, shown = cli(home, "profile", "show", ana.public)
    assert code == 0 and "flagged: signed two different events with the same seq" in shown
