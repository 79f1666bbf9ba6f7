"""`multitude network …` and `multitude role …`: networks, membership and roles."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from multitude.cli.context import console, fail, opened, plain, short

if TYPE_CHECKING:
    from multitude.node import Receipt

__all__ = ["register"]

network_app = typer.Typer(help="Create networks, join them, decide who is in.", no_args_is_help=True)
role_app = typer.Typer(help="Grant and revoke roles in a network.", no_args_is_help=True)

Net = Annotated[str, typer.Argument(help="Network: name, id or id prefix.")]
Who = Annotated[str, typer.Argument(help="Member: name, key or key prefix (or a network).")]


Currencies = Annotated[list[str] | None, typer.Option(
    "--currency", help="A currency it accounts in, as CODE or CODE:DECIMALS (EUR, JPY:0); all of them (repeat).")]
Validation = Annotated[str | None, typer.Option(
    help="Who validates contributions: none, peers or role.")]
Approvals = Annotated[int | None, typer.Option(help="Approvals a contribution needs (peers or role).")]
ValidatorRole = Annotated[str | None, typer.Option(help="The role whose holders validate (with --validation role).")]
AssemblyFile = Annotated[Path | None, typer.Option(
    "--assembly", help="A TOML file with the charter's assembly section: how proposals are decided, what only "
    "the assembly may do (see docs/governance.md).")]


def _assembly(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise fail(f"--assembly {path}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise fail(f"--assembly {path}: not TOML: {error}") from None
    section = document.get("assembly", document)
    if not isinstance(section, dict):
        raise fail(f"--assembly {path}: the assembly section is a table")
    return section


def _currencies(values: list[str] | None) -> dict[str, int] | None:
    if not values:
        return None
    result = {}
    for value in values:
        code, _, places = value.partition(":")
        if places and not places.isdigit():
            raise fail(f"--currency {value!r}: write CODE or CODE:DECIMALS, like EUR or JPY:0")
        result[code] = int(places) if places else 2
    return result


def _validation(policy: str | None, approvals: int | None, role: str | None) -> dict[str, object] | None:
    if policy is None:
        if approvals is not None or role is not None:
            raise fail("--approvals and --validator-role go with --validation")
        return None
    chosen: dict[str, object] = {"policy": policy}
    if approvals is not None:
        chosen["approvals"] = approvals
    if role is not None:
        chosen["role"] = role
    return chosen


def _done(what: str, receipt: Receipt) -> None:
    console.print(f"{what} ({short(receipt.event)}).")


@network_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The network's name.")],
    purpose: Annotated[str, typer.Option(help="What the network is for.")] = "",
    membership: Annotated[str, typer.Option(help="open, approval or invitation.")] = "open",
    approver_role: Annotated[str, typer.Option(help="Role that admits members.")] = "custodian",
    role: Annotated[list[str] | None, typer.Option(help="A role the charter names (repeat).")] = None,
    currency: Currencies = None,
    validation: Validation = None,
    approvals: Approvals = None,
    validator_role: ValidatorRole = None,
    assembly: AssemblyFile = None,
) -> None:
    """Create a network with its charter; you become its first custodian."""
    with opened(ctx, signing=True) as node:
        network = node.create_network(name, purpose, membership, approver_role, role or (),
                                      currencies=_currencies(currency),
                                      validation=_validation(validation, approvals, validator_role),
                                      assembly=_assembly(assembly))
        console.print(f"Network [bold]{plain(name)}[/] created: {network}")


@network_app.command("list")
def list_networks(ctx: typer.Context) -> None:
    """List the networks this node knows."""
    from rich.table import Table

    with opened(ctx) as node:
        table = Table("name", "id", "membership", "members", "purpose")
        for row in node.networks():
            count = len(node.members(row.network, through_subnetworks=False))
            table.add_row(plain(row.name), short(row.network), row.policy, str(count), plain(row.purpose))
        console.print(table)


@network_app.command("show")
def show(ctx: typer.Context, network: Net) -> None:
    """A network's charter, members (direct and through sub-networks), roles and requests."""
    import json

    from rich.table import Table

    with opened(ctx) as node:
        row = node.network(network)
        console.print(f"[bold]{plain(row.name)}[/]  {row.network}")
        if row.purpose:
            console.print(plain(row.purpose))
        roles = ", ".join(json.loads(row.roles))
        console.print(f"membership: {row.policy} (decided by: {row.approver_role}); roles: {roles}")
        parents = [node.name_of(parent) for parent in node.supernetworks(row.network)]
        if parents:
            console.print(f"member of: {plain(', '.join(sorted(parents)))}")
        table = Table("member", "key", "roles", "through")
        flagged = set(node.equivocators())
        for member in node.members(row.network):
            kind = " (network)" if member.kind == "network" else ""
            flag = " [red](equivocated)[/]" if member.agent in flagged else ""
            table.add_row(plain(member.name) + kind + flag, short(member.agent), ", ".join(member.roles),
                          plain(" › ".join(member.via)))
        console.print(table)
        others = [entry for entry in node.memberships(row.network) if entry[1] != "member"]
        if others:
            waiting = Table("not a member", "key", "status", "reason")
            for agent, status, reason in others:
                waiting.add_row(plain(node.name_of(agent)), short(agent), status, plain(reason))
            console.print(waiting)


@network_app.command("amend")
def amend(
    ctx: typer.Context,
    network: Net,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    purpose: Annotated[str | None, typer.Option(help="New purpose.")] = None,
    membership: Annotated[str | None, typer.Option(help="open, approval or invitation.")] = None,
    approver_role: Annotated[str | None, typer.Option(help="Role that admits members.")] = None,
    role: Annotated[list[str] | None, typer.Option(help="The charter's roles, all of them (repeat).")] = None,
    currency: Currencies = None,
    validation: Validation = None,
    approvals: Approvals = None,
    validator_role: ValidatorRole = None,
    assembly: AssemblyFile = None,
) -> None:
    """Amend a network's charter (custodians, unless the charter reserves it for the assembly);
    what is not given stays as it is."""
    with opened(ctx, signing=True) as node:
        _done("Charter amended", node.amend_charter(
            network, name=name, purpose=purpose, membership=membership, approver_role=approver_role, roles=role,
            currencies=_currencies(currency), validation=_validation(validation, approvals, validator_role),
            assembly=_assembly(assembly)))


@network_app.command("join")
def join(
    ctx: typer.Context,
    network: Net,
    note: Annotated[str, typer.Option(help="A word to those who decide.")] = "",
    on_behalf_of: Annotated[str | None, typer.Option(help="Join as this network (you keep it).")] = None,
) -> None:
    """Ask to join a network (as yourself, or for a network you are custodian of)."""
    with opened(ctx, signing=True) as node:
        receipt = node.request_membership(network, note, on_behalf_of)
        what = "Joined" if node.is_member(network, on_behalf_of) else "Request to join sent"
        _done(what, receipt)


@network_app.command("invite")
def invite(ctx: typer.Context, network: Net, member: Who,
           note: Annotated[str, typer.Option()] = "") -> None:
    """Invite someone (or a network) to join."""
    with opened(ctx, signing=True) as node:
        _done("Invited", node.invite(network, member, note))


@network_app.command("approve")
def approve(ctx: typer.Context, network: Net, member: Who,
            note: Annotated[str, typer.Option()] = "") -> None:
    """Admit someone whose request to join is waiting."""
    with opened(ctx, signing=True) as node:
        _done("Admitted", node.approve(network, member, note))


@network_app.command("decline")
def decline(ctx: typer.Context, network: Net, member: Who,
            reason: Annotated[str, typer.Option(help="Why (required).")]) -> None:
    """Decline a request to join."""
    with opened(ctx, signing=True) as node:
        _done("Declined", node.decline(network, member, reason))


@network_app.command("leave")
def leave(
    ctx: typer.Context,
    network: Net,
    member: Annotated[str | None, typer.Option(help="A network you keep that leaves.")] = None,
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Leave a network (or take a network you keep out of it)."""
    with opened(ctx, signing=True) as node:
        _done("Left", node.leave(network, member, note))


@network_app.command("remove")
def remove(ctx: typer.Context, network: Net, member: Who,
           reason: Annotated[str, typer.Option(help="Why (required).")]) -> None:
    """Remove a member (custodians), with a reason."""
    with opened(ctx, signing=True) as node:
        _done("Removed", node.remove(network, member, reason))


@role_app.command("grant")
def grant(ctx: typer.Context, network: Net, member: Who, role: Annotated[str, typer.Argument()]) -> None:
    """Grant a role the charter names (custodians)."""
    with opened(ctx, signing=True) as node:
        _done(f"Granted {role}", node.grant_role(network, member, role))


@role_app.command("revoke")
def revoke(ctx: typer.Context, network: Net, member: Who, role: Annotated[str, typer.Argument()],
           reason: Annotated[str, typer.Option()] = "") -> None:
    """Revoke a role (custodians)."""
    with opened(ctx, signing=True) as node:
        _done(f"Revoked {role}", node.revoke_role(network, member, role, reason))


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")
    app.add_typer(role_app, name="role")
