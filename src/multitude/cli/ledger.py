"""`multitude log`, `verify`, `digest` and `rebuild`: the log and its integrity."""

from __future__ import annotations

from typing import Annotated

import typer

from multitude.cli.context import console, fail, opened, plain, progress, short

__all__ = ["register"]

_STYLE = {"applied": "green", "rejected": "red", "pending": "yellow"}


def log(
    ctx: typer.Context,
    network: Annotated[str | None, typer.Option(help="Only events in this network.")] = None,
    author: Annotated[str | None, typer.Option(help="Only events signed by this key (or agent name).")] = None,
    type: Annotated[
        str | None, typer.Option("--type", help="Only events of this type, e.g. membership.approved.")
    ] = None,
    status: Annotated[str | None, typer.Option(help="applied, rejected or pending.")] = None,
    limit: Annotated[int, typer.Option(help="Show the latest this many (0: all).")] = 50,
) -> None:
    """Show events and where each stands: applied, or rejected with the reason."""
    from rich.table import Table

    from multitude.domain import event_types
    from multitude.store import EventFilter

    if status is not None and status not in _STYLE:
        raise fail(f"--status must be one of: {', '.join(_STYLE)}")
    known = [kind.name for kind in event_types()]
    if type is not None and type not in known:
        raise fail(f"--type {type!r} is not an event type; they are: {', '.join(known)}")
    with opened(ctx) as node:
        query = EventFilter(
            network=node.network(network).network if network else None,
            author=node.resolve_agent(author) if author else None,
            type=type,
            status=status,
            last=limit if limit > 0 else None,
        )
        entries = node.log(query)
        table = Table("time", "event", "author", "type", "network", "status")
        for column in table.columns[:2]:
            column.no_wrap = True
        for event, receipt in entries:
            style = _STYLE.get(receipt.status, "")
            shown = plain(receipt.status + (f": {receipt.reason}" if receipt.reason else ""))
            table.add_row(
                event.time[:19].replace("T", " "), short(event.id), plain(node.name_of(event.author)), event.type,
                plain(node.name_of(event.network)) if event.network else "", f"[{style}]{shown}[/]",
            )
        console.print(table)
        console.print(f"{len(entries)} shown of {node.store.count_events()} events.")


def verify(ctx: typer.Context) -> None:
    """Check every signature, id and chain, and the projection against a fresh fold."""
    with opened(ctx) as node:
        total = node.store.count_events()
        with progress("Verifying", total) as advance:
            result = node.verify(advance)
        for finding in result.notes:
            console.print(f"[yellow]note[/] {short(finding.subject)}: {plain(finding.message)}", highlight=False)
        for finding in result.problems:
            console.print(f"[bold red]BAD[/] {plain(finding.subject)}: {plain(finding.message)}", highlight=False)
        if result.distributions:
            console.print(result.recomputed())
        if result.closes:
            console.print(result.recounted())
        if result.intact:
            console.print(f"[green]Intact:[/] {result.events} events, signatures, ids and projection all check.")
            return
        console.print(f"[bold red]Not intact:[/] {len(result.problems)} problems in {result.events} events.")
        raise typer.Exit(1)


def digest(ctx: typer.Context) -> None:
    """Print the digest of the projected state (the same on every node with the same events)."""
    with opened(ctx) as node:
        console.print(node.digest())


def rebuild(ctx: typer.Context) -> None:
    """Drop the projection and fold the log again."""
    with opened(ctx) as node:
        with progress("Rebuilding", None):
            count = node.rebuild()
        console.print(f"Projection rebuilt from {count} events; digest {node.digest()}")


def register(app: typer.Typer) -> None:
    app.command()(log)
    app.command()(verify)
    app.command()(digest)
    app.command()(rebuild)
