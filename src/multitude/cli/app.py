"""The `multitude` command line."""

from __future__ import annotations

from typing import Annotated

import typer

from multitude.cli import bundle, demo, identity, ledger, network
from multitude.cli.context import Options

__all__ = ["app", "main"]

app = typer.Typer(
    name="multitude",
    help="Multitude: the open back office of self-organising networks.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    ctx: typer.Context,
    home: Annotated[
        str | None, typer.Option(envvar="MULTITUDE_HOME", help="Folder of identities and the default store.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(envvar="MULTITUDE_DB", help="SQLite file or postgresql:// URL (default: <home>/multitude.db)."),
    ] = None,
    identity_name: Annotated[
        str | None, typer.Option("--as", envvar="MULTITUDE_AS", help="Identity that signs (default: the home's).")
    ] = None,
) -> None:
    ctx.obj = Options(home, db, identity_name)


identity.register(app)
network.register(app)
ledger.register(app)
bundle.register(app)
demo.register(app)


def main() -> None:
    app()
