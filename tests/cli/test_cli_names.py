"""People are named on the command line as they know each other: by identity or profile name."""

from __future__ import annotations

from pathlib import Path

from cli_fixtures import Cli

from multitude.keyring import Keyring
from multitude.node import Node


def test_the_readme_story_names_people_by_their_identity(tmp_path: Path, cli: Cli) -> None:
    home = tmp_path / "home"
    assert cli(home, "init", "--name", "ana")[0] == 0
    assert cli(home, "init", "--name", "bo")[0] == 0
    assert cli(home, "network", "create", "Plaza Camp", "--membership", "approval", "--role", "steward")[0] == 0
    assert cli(home, "--as", "bo", "network", "join", "Plaza Camp")[0] == 0
    code, approved = cli(home, "network", "approve", "Plaza Camp", "bo")
    assert code == 0 and approved.startswith("Admitted")
    assert cli(home, "role", "grant", "Plaza Camp", "bo", "steward")[0] == 0
    bo = Keyring(home).identity("bo").public
    with Node.open(home) as node:
        assert [(m.agent, m.roles) for m in node.members("Plaza Camp") if m.agent == bo] == [(bo, ("steward",))]
    code, shown = cli(home, "log", "--author", "bo")
    assert code == 0 and "membership.requested" in shown


def test_log_filters_name_what_is_wrong(tmp_path: Path, cli: Cli) -> None:
    home = tmp_path / "home"
    cli(home, "init", "--name", "ana")
    assert cli(home, "log", "--status", "lost") == (1, "error: --status must be one of: applied, rejected, pending")
    code, message = cli(home, "log", "--type", "membership.teleported")
    assert code == 1 and message.startswith("error: --type 'membership.teleported' is not an event type")
