"""What people write is shown as they wrote it, never read as terminal markup."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from multitude.cli.app import app


def test_names_and_reasons_with_brackets_are_shown_literally(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    runner = CliRunner()
    assert runner.invoke(app, ["--home", home, "init", "--name", "ana"]).exit_code == 0
    name = "[bold]Camp[/bold] [red]"
    created = runner.invoke(app, ["--home", home, "network", "create", name, "--purpose", "[link=x]y[/link]"])
    assert created.exit_code == 0
    shown = runner.invoke(app, ["--home", home, "network", "show", name])
    assert shown.exit_code == 0
    assert name in shown.stdout
    assert "[link=x]y[/link]" in shown.stdout
    refused = runner.invoke(app, ["--home", home, "network", "show", "[nope]"])
    assert refused.exit_code == 1
    assert "no network '[nope]' here" in refused.stderr
