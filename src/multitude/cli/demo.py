"""`multitude demo`: load the demo networks and show what they hold."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from multitude.cli.context import console, fail, opened, plain, progress, short

if TYPE_CHECKING:
    from multitude.node import Node

__all__ = ["demo_home", "load_once", "register"]

_MARKER = "demo-home"


def _made_by_demo(home: Path) -> bool:
    """True for a home the demo made, or one that is empty or absent."""
    return not home.exists() or (home / _MARKER).is_file() or not any(home.iterdir())


def demo_home(ctx: typer.Context, fresh: bool) -> Path:
    """The home the demo runs in, made (or emptied, with `fresh`) for it; never someone's own node."""
    import shutil

    from multitude.settings import home

    home_path = home(ctx.obj.home)
    if not _made_by_demo(home_path):
        raise fail(f"{home_path} holds a node of your own; run the demo in a home of its own (--home DIR)")
    if fresh and home_path.exists():
        shutil.rmtree(home_path)
    home_path.mkdir(parents=True, exist_ok=True)
    (home_path / _MARKER).write_text("made by `multitude demo`\n")
    return home_path


def load_once(node: Node) -> None:
    """Load the demo's story into an empty node; leave a node that holds it as it is."""
    from multitude.demo import load_demo

    if node.store.count_events():
        console.print("The demo is already loaded here (use --fresh to start again).")
        return
    with progress("Loading the demo", None) as advance:
        load_demo(node, node.keyring, step=lambda _: advance())


def demo(
    ctx: typer.Context,
    fresh: Annotated[bool, typer.Option(help="Start from an empty demo home (only one the demo made).")] = False,
) -> None:
    """Load the demo: a protest camp with its working groups, and a lab in a regional network."""
    from rich.table import Table

    from multitude.demo import CAST

    home_path = demo_home(ctx, fresh)
    with opened(ctx) as node:
        load_once(node)
        console.print(f"[bold]Multitude node[/] at {plain(node.store.url)}\n")
        networks = Table("network", "id", "membership", "purpose", title="Networks")
        for row in node.networks():
            networks.add_row(plain(row.name), short(row.network), row.policy, plain(row.purpose))
        console.print(networks)
        for row in node.networks():
            members = Table("member", "roles", "through", title=f"{plain(row.name)}: members")
            for member in node.members(row.network):
                kind = " (network)" if member.kind == "network" else ""
                members.add_row(plain(member.name) + kind, ", ".join(member.roles), plain(" › ".join(member.via)))
            console.print(members)
        _distributions(node)
        _proposals(node)
        counts = node.counts()
        console.print(f"{counts['events']} events in the log; {len(CAST)} people; "
                      f"{counts['networks']} networks; digest {node.digest()[:16]}…")
        with progress("Verifying", counts["events"]) as advance:
            result = node.verify(advance)
        if not result.intact:
            for finding in result.problems:
                console.print(f"[bold red]BAD[/] {plain(finding.subject)}: {plain(finding.message)}")
            raise typer.Exit(1)
        console.print(f"[green]Verified:[/] every signature, id and chain checks, and the projection "
                      f"equals a fresh fold of the log ({result.events} events).")
        if result.distributions:
            console.print(result.recomputed())
        from multitude.demo import LAB_EQUATION_1

        earlier = home_path / "lab-equation-1.toml"
        earlier.write_text(LAB_EQUATION_1, encoding="utf-8")
        prefix = f"multitude --home {home_path}"
        console.print(f"\nAct as anyone in the demo, e.g.: {prefix} --as ana network show 'Plaza Camp'")
        console.print(f"Why each got what they got: {prefix} explain DISTRIBUTION [--agent NAME]")
        console.print(f"A split before recording it: {prefix} distribute 'Open Sensor Lab' --amount 1000 "
                      f"--currency EUR --dry-run [--compare {earlier}]")
        console.print(f"The camp's assembly: {prefix} proposals 'Plaza Camp'; vote on an open one, e.g. "
                      f"{prefix} --as chen vote PROPOSAL block --reason '…'")


def _distributions(node: Node) -> None:
    from rich.table import Table

    table = Table("distribution", "network", "income", "equation", "largest payouts", title="Distributions")
    for row in node.distributions():
        payouts: dict[str, Decimal] = {}
        for line in node.payout_lines(row.distribution):
            payouts[line.recipient] = payouts.get(line.recipient, Decimal(0)) + Decimal(line.amount)
        largest = sorted(payouts.items(), key=lambda item: (-item[1], item[0]))[:3]
        equation = node.equation_row(row.network, row.equation)
        table.add_row(short(row.distribution), plain(node.name_of(row.network)), f"{row.amount} {row.currency}",
                      plain(f"{equation.name} (v{equation.version})") if equation else "",
                      plain(", ".join(f"{node.name_of(agent)} {amount}" for agent, amount in largest)))
    console.print(table)


def _proposals(node: Node) -> None:
    from rich.table import Table

    table = Table("proposal", "network", "title", "method", "outcome", title="Proposals")
    for net in node.networks():
        for row in node.proposals(net.network):
            chosen = ", ".join(json.loads(row.result or "[]"))
            outcome = {"yes": "passed", "no": "failed"}.get(row.passed, row.status) + (f": {chosen}" if chosen else "")
            if row.status == "open":
                outcome = f"open until {row.closes[:16].replace('T', ' ')} UTC"
            table.add_row(short(row.proposal), plain(net.name), plain(row.title), row.method.replace("_", " "),
                          plain(outcome))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(demo)
