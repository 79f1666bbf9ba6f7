"""`multitude export` and `multitude import`: events carried on a file between nodes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from multitude.cli.context import console, fail, opened, plain, progress

__all__ = ["register"]

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _since(value: str | None) -> str | None:
    """A date or date-time to the event time format, so it compares as text."""
    if value is None:
        return None
    from datetime import UTC, datetime

    from multitude.ledger.event import event_time

    text = value + "T00:00:00" if _DAY.fullmatch(value) else value
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"--since {value!r} is not a date (YYYY-MM-DD) or an ISO date-time") from None
    return event_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def export(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Bundle file to write.")],
    network: Annotated[str | None, typer.Option(help="Only events of this network.")] = None,
    since: Annotated[str | None, typer.Option(help="Only events from this date or time on.")] = None,
    missing_from: Annotated[
        Path | None, typer.Option(help="Only what the node that wrote this bundle lacks.")
    ] = None,
) -> None:
    """Write events to a bundle file (atomically: never half a file)."""
    from multitude.sync.bundle import export_bundle

    with opened(ctx) as node:
        with progress("Exporting", None) as advance:
            done = export_bundle(node, file, network=network, since=_since(since), missing_from=missing_from,
                                 on_progress=advance)
        console.print(f"Wrote {done.events} events to {plain(done.path)}.")


def import_(ctx: typer.Context, file: Annotated[Path, typer.Argument(help="Bundle file to read.")]) -> None:
    """Check and append the events of a bundle; importing twice changes nothing."""
    from multitude.sync.bundle import import_bundle

    with opened(ctx) as node:
        with progress("Importing", None) as advance:
            done = import_bundle(node, file, on_progress=advance)
        if done.header_problem:
            console.print(f"[yellow]note[/] {plain(done.header_problem)}")
        statuses: dict[str, int] = {}
        for receipt in done.submitted.receipts:
            statuses[receipt.status] = statuses.get(receipt.status, 0) + 1
        shown = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())) or "none new"
        console.print(f"{done.lines} events read: {done.added} added ({shown}), "
                      f"{done.submitted.duplicates} already held, {len(done.refused)} refused.")
        for line, why in done.refused:
            console.print(f"[red]refused[/] line {line}: {plain(why)}", highlight=False)
        if done.refused:
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(export)
    app.command("import")(import_)
