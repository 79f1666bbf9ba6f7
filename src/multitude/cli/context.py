"""What every command shares: the global options, opening the node, reporting errors.

Heavy modules (the node, crypto, database drivers) are imported only when a command runs, so
`multitude --help` answers at once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from multitude.node import Node

__all__ = ["Options", "console", "fail", "opened", "plain", "progress", "short"]

console = Console()
errors = Console(stderr=True)


@dataclass
class Options:
    home: str | None
    db: str | None
    identity: str | None


def plain(value: object) -> str:
    """Text from users or the log, shown as written (never read as Rich markup)."""
    return escape(str(value))


def fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {plain(message)}", highlight=False)
    return typer.Exit(1)


def _passphrase(options: Options) -> str | None:
    value = os.environ.get("MULTITUDE_PASSPHRASE")
    if value is not None:
        return value
    from multitude.keyring import Keyring, KeyringError
    from multitude.settings import home

    keyring = Keyring(home(options.home))
    name = options.identity or keyring.default()
    try:
        sealed = name is not None and keyring.identity(name).sealed
    except KeyringError:
        return None
    if sealed and sys.stdin.isatty():
        return str(typer.prompt(f"Passphrase of identity {name!r}", hide_input=True))
    return None


@contextmanager
def opened(ctx: typer.Context, *, signing: bool = False) -> Iterator[Node]:
    """Open the node the global options name; turn its errors into messages and exit 1."""
    from multitude.keyring import KeyringError
    from multitude.node import Node, NodeError
    from multitude.store import StoreError
    from multitude.sync.bundle import BundleError

    options: Options = ctx.obj
    try:
        passphrase = _passphrase(options) if signing else None
        node = Node.open(options.home, options.db, options.identity, passphrase)
    except (StoreError, KeyringError, OSError) as error:
        raise fail(str(error)) from None
    try:
        yield node
    except (NodeError, KeyringError, StoreError, BundleError) as error:
        raise fail(str(error)) from None
    finally:
        node.close()


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Any]:
    """A Rich progress bar on stderr; yields a function to advance it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=errors, transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda amount=1: bar.advance(task, amount)


def short(identifier: str) -> str:
    return plain(identifier[:12])
