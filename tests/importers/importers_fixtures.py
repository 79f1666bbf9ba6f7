"""Helpers of the importer tests."""

from __future__ import annotations

import re
from pathlib import Path

from cli.cli_fixtures import Cli


def shown_events(cli: Cli, home: Path) -> int:
    """How many events `multitude log` says the home holds."""
    code, output = cli(home, "log")
    found = re.search(r"of (\d+) events", output)
    assert code == 0 and found, output
    return int(found.group(1))
