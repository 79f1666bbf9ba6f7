"""The command line works the same with its store on PostgreSQL (`--db postgresql://…`)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from multitude.cli.app import app


def test_a_story_on_postgresql_matches_the_same_story_on_sqlite(tmp_path: Path, pg_url: str) -> None:
    def story(*store: str) -> str:
        home = tmp_path / f"home-{len(store)}"
        runner = CliRunner()

        def ok(*args: str) -> str:
            result = runner.invoke(app, ["--home", str(home), *store, *args])
            assert result.exit_code == 0, result.stdout + result.stderr
            return result.stdout

        ok("demo")
        ok("--as", "gio", "network", "join", "Kitchen")
        assert "Giovanni Russo" in ok("network", "show", "Kitchen")
        assert "Intact" in ok("verify")
        ok("export", str(tmp_path / f"out-{len(store)}.bundle"))
        # Ids differ (the demo signs with the current time); everything else must not.
        return re.sub(r"\b[0-9a-f]{12,64}\b", "<id>", ok("network", "show", "Plaza Camp"))

    on_postgres = story("--db", pg_url)
    on_sqlite = story()
    assert on_postgres == on_sqlite
