"""What the importer tests share: a home where Ana keeps the Lab and Bo has joined it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli.cli_fixtures import Cli


@pytest.fixture
def cli_home(tmp_path: Path, cli: Cli) -> Path:
    path = tmp_path / "cli-home"
    assert cli(path, "init", "--name", "ana")[0] == 0
    assert cli(path, "init", "--name", "bo")[0] == 0
    assert cli(path, "--as", "ana", "network", "create", "Lab", "--currency", "EUR")[0] == 0
    assert cli(path, "--as", "bo", "network", "join", "Lab")[0] == 0
    return path
