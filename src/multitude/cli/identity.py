"""`multitude init`, `identities`, `profile` and `device`: who signs, and who they are."""

from __future__ import annotations

from typing import Annotated

import typer

from multitude.cli.context import Options, console, fail, opened, plain, short

__all__ = ["register"]

profile_app = typer.Typer(help="Publish and read agent profiles.", no_args_is_help=True)
device_app = typer.Typer(help="Link and unlink the devices an agent acts from.", no_args_is_help=True)


def init(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Name of the new identity on this machine.")] = "default",
    passphrase: Annotated[
        bool, typer.Option("--passphrase/--no-passphrase", help="Seal the key file with a passphrase.")
    ] = False,
) -> None:
    """Create an identity (an Ed25519 key) and a local node."""
    from multitude.keyring import Keyring, KeyringError
    from multitude.settings import home

    options: Options = ctx.obj
    keyring = Keyring(home(options.home))
    import os

    secret = None
    if passphrase:
        secret = os.environ.get("MULTITUDE_PASSPHRASE") or typer.prompt(
            "Passphrase", hide_input=True, confirmation_prompt=True
        )
    try:
        made = keyring.create(name, secret)
    except KeyringError as error:
        raise fail(str(error)) from None
    with opened(ctx) as node:
        console.print(f"Identity [bold]{plain(made.name)}[/] created: {made.public}")
        console.print(f"Key file: {plain(keyring.folder / (made.name + '.key'))} (readable only by you)")
        console.print(f"Node store: {plain(node.store.url)}")
        console.print("Next: [bold]multitude profile set --name 'Your Name'[/]")


def secret(ctx: typer.Context) -> None:
    """Print this identity's secret key (its seed, in hex), to host it on a node you log in to.

    Whoever reads it can sign as you: paste it only into a node you trust, over HTTPS."""
    import sys

    with opened(ctx, signing=True) as node:
        seed = node.key.seed.hex()
    print("Your secret key; anyone who has it can sign as you:", file=sys.stderr)
    print(seed)


def identities(ctx: typer.Context) -> None:
    """List the identities in this home."""
    from rich.table import Table

    from multitude.keyring import Keyring
    from multitude.settings import home

    keyring = Keyring(home(ctx.obj.home))
    default = keyring.default()
    table = Table("name", "public key", "sealed", "default")
    for name in keyring.names():
        found = keyring.identity(name)
        table.add_row(name, found.public, "yes" if found.sealed else "no", "*" if name == default else "")
    console.print(table)


@profile_app.command("set")
def profile_set(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Display name.")],
    kind: Annotated[str, typer.Option(help="person or organisation.")] = "person",
    about: Annotated[str, typer.Option(help="A few words about you.")] = "",
    skill: Annotated[list[str] | None, typer.Option(help="A skill (repeat for several).")] = None,
    location: Annotated[str, typer.Option(help="Where you are.")] = "",
    link: Annotated[list[str] | None, typer.Option(help="A link (repeat for several).")] = None,
) -> None:
    """Publish or update your profile."""
    with opened(ctx, signing=True) as node:
        receipt = node.publish_profile(kind, name, about, skill or (), location, link or ())
        console.print(f"Profile published ({short(receipt.event)}).")


@profile_app.command("show")
def profile_show(ctx: typer.Context, agent: Annotated[str | None, typer.Argument()] = None) -> None:
    """Show a profile (yours by default)."""
    import json

    with opened(ctx, signing=agent is None) as node:
        key = node.resolve_agent(agent) if agent else node.agent
        row = node.projector.state.agents.get((key,))
        if row is None:
            raise fail(f"{short(key)} has published no profile")
        console.print(f"[bold]{plain(row.name)}[/] ({row.kind}) {row.agent}")
        for label, value in (("about", row.about), ("location", row.location)):
            if value:
                console.print(f"{label}: {plain(value)}")
        for label, value in (("skills", json.loads(row.skills)), ("links", json.loads(row.links))):
            if value:
                console.print(f"{label}: {plain(', '.join(value))}")
        if key in node.equivocators():
            console.print("[red]flagged:[/] signed two different events with the same seq (see `multitude verify`)")
        devices = [d for d in node.projector.state.devices.values() if d.agent == key]
        for device in devices:
            console.print(f"device {device.device} {plain(repr(device.label))} ({device.status})")


@device_app.command("consent")
def device_consent(ctx: typer.Context, agent: Annotated[str, typer.Argument(help="Public key of the agent.")]) -> None:
    """On the new device: sign consent to act for AGENT; prints what `device link` needs."""
    with opened(ctx, signing=True) as node:
        if len(agent) != 64:
            raise fail("give the agent's full public key (64 hex digits)")
        proof = node.device_consent(agent)
        console.print(f"On the agent's node run:\n  multitude device link {node.key.public} {proof}")


@device_app.command("link")
def device_link(
    ctx: typer.Context,
    device: Annotated[str, typer.Argument(help="The device's public key.")],
    proof: Annotated[str, typer.Argument(help="What `device consent` printed on the device.")],
    label: Annotated[str, typer.Option(help="A name for the device, e.g. 'phone'.")] = "",
) -> None:
    """Link a device key to your agent."""
    with opened(ctx, signing=True) as node:
        receipt = node.link_device(device, proof, label)
        console.print(f"Device {short(device)} linked ({short(receipt.event)}).")


@device_app.command("unlink")
def device_unlink(
    ctx: typer.Context,
    device: Annotated[str, typer.Argument(help="The device's public key.")],
    reason: Annotated[str, typer.Option(help="Why, e.g. 'phone lost'.")] = "",
) -> None:
    """Unlink a device (a lost phone): its key no longer speaks for you."""
    with opened(ctx, signing=True) as node:
        receipt = node.unlink_device(device, reason)
        console.print(f"Device {short(device)} unlinked ({short(receipt.event)}).")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(identities)
    app.command()(secret)
    app.add_typer(profile_app, name="profile")
    app.add_typer(device_app, name="device")
