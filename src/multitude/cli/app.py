"""The `multitude` command line."""

from __future__ import annotations

from typing import Annotated

import typer

from multitude.cli import accounting, assembly, bundle, demo, identity, ledger, network, records, serve
from multitude.cli.context import Options
from multitude.settings import setting

__all__ = ["app", "main"]

app = typer.Typer(
    name="multitude",
    help="Multitude: the open back office of self-organising networks.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _help(name: str) -> str:
    declared = setting(name)
    return f"{declared.help} (default: {declared.default})"


@app.callback()
def _options(
    ctx: typer.Context,
    home: Annotated[str | None, typer.Option(envvar=setting("home").env, help=_help("home"))] = None,
    db: Annotated[str | None, typer.Option(envvar=setting("db").env, help=_help("db"))] = None,
    identity_name: Annotated[
        str | None, typer.Option("--as", envvar=setting("identity").env, help=_help("identity"))
    ] = None,
) -> None:
    ctx.obj = Options(home, db, identity_name)


identity.register(app)
network.register(app)
accounting.register(app)
assembly.register(app)
ledger.register(app)
bundle.register(app)
demo.register(app)
records.register(app)
serve.register(app)


def main() -> None:
    app()
