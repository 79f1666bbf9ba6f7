"""What every command-line test shares: a clean environment and a way to run the command."""

from __future__ import annotations

import pytest
from cli_fixtures import Cli, run_cli


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the machine running the tests; tables are not wrapped."""
    for name in ("MULTITUDE_HOME", "MULTITUDE_DB", "MULTITUDE_AS", "MULTITUDE_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture
def cli() -> Cli:
    """Run `multitude --home HOME ARGS…` in process; (exit code, output with spaces collapsed)."""
    return run_cli
