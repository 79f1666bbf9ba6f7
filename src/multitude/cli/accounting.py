"""`multitude work`, `contribute`, `validate`, `flag`, `retract`, `contributions`, `resource`,
`process`, `equation`, `income`, `distribute` and `explain`: contribution accounting."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from multitude.cli.context import console, fail, opened, plain, short

if TYPE_CHECKING:
    from multitude.accounts import Preview
    from multitude.domain.accounting.rows import ResourceRow
    from multitude.node import Node, Receipt

__all__ = ["register"]

Net = Annotated[str, typer.Argument(help="Network: name, id or id prefix.")]
Ref = Annotated[str, typer.Argument(help="Contribution: id or id prefix (6+ hex digits).")]
Tags = Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeat).")]
Evidence = Annotated[list[str] | None, typer.Option("--evidence", help="A link to evidence (repeat).")]
Day = Annotated[str | None, typer.Option("--on", help="The day it was given, YYYY-MM-DD (default: today).")]

resource_app = typer.Typer(help="Resources the network uses: tools, materials, designs.", no_args_is_help=True)
process_app = typer.Typer(help="Processes: what went in, what came out.", no_args_is_help=True)
equation_app = typer.Typer(help="Value equations: how income is shared.", no_args_is_help=True)


def _logged(receipt: Receipt) -> None:
    state = "" if receipt.status == "applied" else f" ({receipt.status}: {plain(receipt.reason)})"
    console.print(f"Logged {short(receipt.event)}{state}.")


def _hours(duration: str) -> str:
    from multitude.domain.accounting.quantities import parse_duration

    try:
        return parse_duration(duration)
    except ValueError as error:
        raise fail(str(error)) from None


def work(
    ctx: typer.Context,
    network: Net,
    duration: Annotated[str, typer.Argument(help="How long: 1h30m, 90m, 2h, 1.5h, 1d (8 hours).")],
    note: Annotated[str, typer.Option("--note", "-m", help="What you did.")] = "",
    skill: Annotated[str | None, typer.Option(help="The skill or role it took.")] = None,
    rate: Annotated[str | None, typer.Option(help="Value of an hour of it.")] = None,
    process: Annotated[str | None, typer.Option(help="The process it went into.")] = None,
    tag: Tags = None,
    evidence: Evidence = None,
    on: Day = None,
) -> None:
    """Log time you worked for a network, in one line."""
    with opened(ctx, signing=True) as node:
        _logged(node.log_contribution(network, "work", hours=_hours(duration), note=note, skill=skill, rate=rate,
                                      process=process, tags=tag or (), evidence=evidence or (), happened=on))


def contribute(
    ctx: typer.Context,
    network: Net,
    action: Annotated[str, typer.Argument(help="work, use, consume, cite, transfer, deliverService or produce.")],
    duration: Annotated[str | None, typer.Option("--hours", help="Effort or time of use: 2h, 90m.")] = None,
    quantity: Annotated[str | None, typer.Option(help="Units consumed or produced; value cited.")] = None,
    amount: Annotated[str | None, typer.Option(help="Money transferred.")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency of the money transferred.")] = None,
    percent: Annotated[str | None, typer.Option(help="A citation's share of the process it went into.")] = None,
    rate: Annotated[str | None, typer.Option(help="Value of an hour of work.")] = None,
    skill: Annotated[str | None, typer.Option(help="The skill or role it took.")] = None,
    resource: Annotated[str | None, typer.Option(help="The resource used, consumed, cited or produced.")] = None,
    process: Annotated[str | None, typer.Option(help="The process it went into or came out of.")] = None,
    plan: Annotated[str | None, typer.Option(help="The plan it belongs to.")] = None,
    corrects: Annotated[str | None, typer.Option(help="A contribution of yours this one replaces.")] = None,
    note: Annotated[str, typer.Option("--note", "-m")] = "",
    tag: Tags = None,
    evidence: Evidence = None,
    on: Day = None,
) -> None:
    """Log any contribution as a ValueFlows economic event."""
    with opened(ctx, signing=True) as node:
        _logged(node.log_contribution(
            network, action, hours=_hours(duration) if duration else None, quantity=quantity, amount=amount,
            currency=currency, percent=percent, rate=rate, skill=skill, resource=resource, process=process,
            plan=plan, happened=on, note=note, evidence=evidence or (), tags=tag or (), corrects=corrects))


def validate(ctx: typer.Context, network: Net, contribution: Ref,
             note: Annotated[str, typer.Option("--note", "-m")] = "") -> None:
    """Approve someone else's contribution."""
    with opened(ctx, signing=True) as node:
        console.print(f"Approved ({short(node.validate_contribution(network, contribution, note).event)}).")


def flag(ctx: typer.Context, network: Net, contribution: Ref,
         reason: Annotated[str, typer.Argument(help="What is wrong with it.")]) -> None:
    """Red-flag a contribution: it stops counting until the flag is lifted or it is corrected."""
    with opened(ctx, signing=True) as node:
        console.print(f"Flagged ({short(node.flag_contribution(network, contribution, reason).event)}).")


def retract(ctx: typer.Context, network: Net, contribution: Ref,
            reason: Annotated[str, typer.Argument(help="Why it is withdrawn.")]) -> None:
    """Withdraw a contribution of yours."""
    with opened(ctx, signing=True) as node:
        console.print(f"Retracted ({short(node.retract_contribution(network, contribution, reason).event)}).")


def contributions(
    ctx: typer.Context,
    network: Net,
    status: Annotated[str | None, typer.Option(help="pending, validated, flagged, retracted or corrected.")] = None,
    by: Annotated[str | None, typer.Option(help="Only this contributor's.")] = None,
) -> None:
    """List a network's contributions and where they stand."""
    from rich.table import Table

    with opened(ctx) as node:
        table = Table("id", "day", "by", "action", "hours", "quantity", "value", "status", "note")
        for row in node.contributions(network, status, by):
            table.add_row(short(row.contribution), row.day, plain(node.name_of(row.contributor)), row.action,
                          row.hours if row.hours != "0" else "", row.quantity if row.quantity != "0" else "",
                          row.value, row.status, plain(_note(node, row.network, row.contribution)))
        console.print(table)


def _note(node: Node, network: str, contribution: str) -> str:
    event = node.store.events_by_id([contribution])
    if not event:
        return ""
    from multitude.ledger.event import from_stored

    note = from_stored(event[0].id, event[0].payload, event[0].sig).body.get("note", "")
    return str(note)[:60]


@resource_app.command("add")
def add_resource(
    ctx: typer.Context,
    network: Net,
    name: Annotated[str, typer.Argument()],
    spec: Annotated[str, typer.Option(help="What kind of thing it is (its resource specification).")],
    unit: Annotated[str, typer.Option()] = "",
    value_per_unit: Annotated[str, typer.Option(help="Value of one unit consumed.")] = "0",
    value_per_use: Annotated[str, typer.Option(help="Value of one hour of use.")] = "0",
    contributed: Annotated[bool, typer.Option(help="You lend or give it: its use pays you.")] = False,
    funded_by: Annotated[list[str] | None, typer.Option(help="A money contribution that paid for it (repeat).")] = None,
    note: Annotated[str, typer.Option("--note", "-m")] = "",
) -> None:
    """Record a resource of the network; you are its custodian."""
    with opened(ctx, signing=True) as node:
        resource = node.create_resource(network, name, spec, unit=unit, value_per_unit=value_per_unit,
                                        value_per_unit_of_use=value_per_use, contributed=contributed,
                                        funded_by=funded_by or (), note=note)
        console.print(f"Resource [bold]{plain(name)}[/] recorded: {resource}")


@resource_app.command("list")
def list_resources(ctx: typer.Context, network: Net) -> None:
    """The network's resources: what they are, whose, and what they are worth."""
    from rich.table import Table

    with opened(ctx) as node:
        table = Table("name", "id", "spec", "custodian", "origin", "per unit", "per hour of use")
        for row in node.resources(network):
            table.add_row(plain(row.name), short(row.resource), plain(row.spec), plain(node.name_of(row.custodian)),
                          _origin(row), row.value_per_unit, row.value_per_unit_of_use)
        console.print(table)


def _origin(row: ResourceRow) -> str:
    if row.contributed:
        return "lent or given"
    if row.funded_by != "[]":
        return "bought with members' money"
    return "the network's"


@resource_app.command("show")
def show_resource(ctx: typer.Context, network: Net,
                  resource: Annotated[str, typer.Argument(help="Name or id.")]) -> None:
    """A resource, and for one a process produced, the rolled-up value of its inputs."""
    from rich.table import Table

    with opened(ctx) as node:
        row = node.resource(network, resource)
        worth = node.resource_worth(network, row.resource)
        console.print(f"[bold]{plain(row.name)}[/] ({plain(row.spec)})  {row.resource}")
        origin = "produced by the network's processes" if worth is not None else _origin(row)
        console.print(f"custodian {plain(node.name_of(row.custodian))}; {origin}; value per unit "
                      f"{row.value_per_unit}, per hour of use {row.value_per_unit_of_use}")
        if worth is None:
            console.print("No process produced it.")
            return
        table = Table("process", "action", "whose", "contributions", "value",
                      title=f"Worth {worth.total:f}: what went into it")
        for item in worth.inputs:
            process = node.projector.state.processes.get((item.process,))
            whose = (f"resource {node.resource(network, item.holder[len('resource:'):]).name}"
                     if item.holder.startswith("resource:") else node.name_of(item.holder))
            table.add_row(plain(process.name if process else item.process[:12]), item.action, plain(whose),
                          str(item.count), f"{item.value:f}")
        console.print(table)
        for process_id, cited, percent in worth.citations:
            process = node.projector.state.processes.get((process_id,))
            design = node.projector.state.resources.get((cited,))
            console.print(f"{plain(process.name if process else process_id[:12])} cites "
                          f"{plain(design.name if design else cited[:12])} for {percent:f}% of what it earns.")


@process_app.command("start")
def start_process(ctx: typer.Context, network: Net, name: Annotated[str, typer.Argument()],
                  plan: Annotated[str | None, typer.Option()] = None,
                  note: Annotated[str, typer.Option("--note", "-m")] = "") -> None:
    """Start a process that contributions can go into."""
    with opened(ctx, signing=True) as node:
        console.print(f"Process [bold]{plain(name)}[/] started: {node.start_process(network, name, plan, note)}")


def _document(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read {path}: {error}") from None


@equation_app.command("check")
def check_equation(ctx: typer.Context, network: Net, file: Annotated[Path, typer.Argument()]) -> None:
    """Check an equation against the network's current data, without adopting it."""
    with opened(ctx) as node:
        node.check_equation(network, _document(file))
        console.print("The equation can be adopted.")


@equation_app.command("adopt")
def adopt_equation(ctx: typer.Context, network: Net, file: Annotated[Path, typer.Argument()]) -> None:
    """Adopt a value equation (custodians); it is checked first."""
    with opened(ctx, signing=True) as node:
        console.print(f"Equation adopted ({short(node.adopt_equation(network, _document(file)).event)}).")


@equation_app.command("show")
def show_equation(ctx: typer.Context, network: Net) -> None:
    """The equation in force, and the versions before it."""
    with opened(ctx) as node:
        for row in node.equations(network):
            state = "[bold green]in force[/]" if row.in_force else "superseded"
            console.print(f"{plain(row.name)} version {row.version} ({state}, digest {row.digest[:12]})")
        current = node.equation(network)
        if current is None:
            raise fail("this network has adopted no value equation yet")
        console.print(plain(current.document), highlight=False)


def income(
    ctx: typer.Context,
    network: Net,
    amount: Annotated[str, typer.Argument()],
    currency: Annotated[str, typer.Option(help="A currency the network uses.")],
    source: Annotated[str, typer.Option(help="Who paid, or for what.")],
    resource: Annotated[str | None, typer.Option(help="The resource it paid for.")] = None,
    process: Annotated[str | None, typer.Option(help="The process it paid for.")] = None,
    plan: Annotated[str | None, typer.Option(help="The plan it paid for (the processes of that plan).")] = None,
    note: Annotated[str, typer.Option("--note", "-m")] = "",
) -> None:
    """Record money the network received (custodians)."""
    with opened(ctx, signing=True) as node:
        income_id = node.record_income(network, amount, currency, source, resource=resource, process=process,
                                       plan=plan, note=note)
        console.print(f"Income recorded: {income_id}")


def incomes(ctx: typer.Context, network: Net) -> None:
    """A network's incomes, what they paid for, and the distribution that split each."""
    from rich.table import Table

    with opened(ctx) as node:
        table = Table("income", "amount", "source", "paid for", "distribution")
        for row in node.incomes(network):
            paid_for = row.resource or row.process or row.plan
            if row.resource:
                paid_for = f"resource {node.resource(network, row.resource).name}"
            elif row.process:
                process = node.projector.state.processes.get((row.process,))
                paid_for = f"process {process.name if process else row.process[:12]}"
            elif row.plan:
                paid_for = f"plan {row.plan}"
            table.add_row(short(row.income), f"{row.amount} {row.currency}", plain(row.source), plain(paid_for),
                          short(row.distribution) if row.distribution else "not yet distributed")
        console.print(table)


def _split_table(node: Node, preview: Preview, title: str) -> None:
    from rich.table import Table

    table = Table("recipient", "amount", "network", "bucket", "claim", "why", title=title)
    for line in preview.split.lines:
        table.add_row(plain(node.name_of(line.recipient)), str(line.amount), plain(node.name_of(line.network)),
                      plain(line.bucket), line.claim, plain(line.basis))
    console.print(table)
    console.print(f"Total {sum(line.amount for line in preview.split.lines)} {plain(preview.currency)}; "
                  f"result digest {preview.split.result_digest[:12]}")


def distribute(
    ctx: typer.Context,
    network: Net,
    amount: Annotated[str | None, typer.Option(help="Split a new income of this amount.")] = None,
    currency: Annotated[str | None, typer.Option(help="Its currency.")] = None,
    income_ref: Annotated[str | None, typer.Option("--income", help="Split an income already recorded.")] = None,
    source: Annotated[str, typer.Option(help="Where a new income came from.")] = "income",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the split; record nothing.")] = False,
    compare: Annotated[Path | None, typer.Option(help="Show the split by this equation beside it.")] = None,
) -> None:
    """Split an income by the equation in force and record the distribution."""
    if (amount is None) == (income_ref is None):
        raise fail("give either --amount (with --currency) or --income")
    if amount is not None and currency is None:
        raise fail("--amount needs --currency")
    with opened(ctx, signing=not dry_run and compare is None) as node:
        if income_ref is not None:
            row = node.income(node.network(network).network, income_ref)
            amount, currency = row.amount, row.currency
        assert amount is not None and currency is not None
        preview = node.preview_split(network, amount, currency, income=income_ref)
        _split_table(node, preview, f"By {preview.equation}")
        if compare is not None:
            other = node.preview_split(network, amount, currency, _document(compare), income=income_ref)
            _split_table(node, other, f"By {other.equation} ({compare})")
            _compare(node, preview, other)
        if dry_run or compare is not None:
            console.print("Nothing was recorded.")
            return
        if income_ref is None:
            receipt = node.distribute_new_income(network, amount, currency, source)
        else:
            receipt = node.distribute(network, income_ref)
        console.print(f"Distribution recorded: {receipt.event}")


def _compare(node: Node, left: Preview, right: Preview) -> None:
    from decimal import Decimal

    from rich.table import Table

    a, b = left.split.payouts(), right.split.payouts()
    table = Table("recipient", left.equation, right.equation, "difference", title="Side by side")
    for recipient in sorted(set(a) | set(b), key=node.name_of):
        none = Decimal(0).quantize(next(iter(a.values()), Decimal(0)))
        x, y = a.get(recipient, none), b.get(recipient, none)
        table.add_row(plain(node.name_of(recipient)), str(x), str(y), f"{y - x:+}")
    console.print(table)


def explain(
    ctx: typer.Context,
    distribution: Annotated[str, typer.Argument(help="Distribution: id or id prefix.")],
    agent: Annotated[str | None, typer.Option(help="Only why this agent got what they got.")] = None,
) -> None:
    """Why each recipient got what they got: which network, bucket, rule and contributions."""
    from decimal import Decimal

    from multitude.domain.accounting.explanation import explanation

    with opened(ctx) as node:
        row = node.distribution(distribution)
        lines = node.payout_lines(row.distribution, agent)
        console.print(f"Distribution {row.distribution[:12]} of {row.amount} {row.currency} in "
                      f"{plain(node.name_of(row.network))}, by equation {row.equation[:12]}.")
        total = Decimal(0)
        for line in lines:
            total += Decimal(line.amount)
            via = "" if line.network == row.network else f" via {plain(node.name_of(line.network))}"
            console.print(f"- [bold]{plain(node.name_of(line.recipient))}[/] gets {line.amount} {row.currency}"
                          f"{via}: {plain(explanation(line.bucket, line.claim, line.basis))}")
        if agent is None:
            console.print(f"The lines add up to {total} {row.currency}.")
        elif not lines:
            console.print("This agent got nothing from this distribution.")


def register(app: typer.Typer) -> None:
    for command in (work, contribute, validate, flag, retract, contributions, income, incomes, distribute, explain):
        app.command()(command)
    app.add_typer(resource_app, name="resource")
    app.add_typer(process_app, name="process")
    app.add_typer(equation_app, name="equation")
