"""Running the command in process, as the command-line tests do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from multitude.cli.app import app

Cli = Callable[..., tuple[int, str]]


def run_cli(home: Path, *args: str) -> tuple[int, str]:
    """`multitude --home HOME ARGS…`: (exit code, everything it printed, spaces collapsed)."""
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    return result.exit_code, " ".join((result.stdout + result.stderr).split())
