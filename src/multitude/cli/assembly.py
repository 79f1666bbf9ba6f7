"""`multitude vote`, `delegate`, `delegations`, `close`, `proposals`, `proposal`, `comment`,
`amend` and `withdraw` (and `propose`, from cli.proposing): the network's assembly.

Options are read into what the node's commands take; the node resolves names, the domain
judges the votes. Nothing here decides anything.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from multitude.cli.accounting import Net
from multitude.cli.context import console, fail, opened, plain, short
from multitude.errors import NodeError

if TYPE_CHECKING:
    from multitude.domain.governance.rows import ProposalRow
    from multitude.node import Node, Receipt
from multitude.cli.proposing import Many, closes_text, decided_by, described, numbers, pair, propose, words

__all__ = ["register"]

Ref = Annotated[str, typer.Argument(help="Proposal: id or id prefix (6+ hex digits).")]

_STATUSES = ("open", "closed", "withdrawn")


def _done(what: str, receipt: Receipt) -> None:
    state = "" if receipt.status == "applied" else f" ({receipt.status}: {plain(receipt.reason)})"
    console.print(f"{what} ({short(receipt.event)}){state}.")


def _ballot(ballot: dict[str, Any]) -> str:
    parts = []
    if "position" in ballot:
        parts.append(ballot["position"])
    if "approve" in ballot:
        parts.append("approves " + (", ".join(ballot["approve"]) or "nothing"))
    for name in ("scores", "dots"):
        if name in ballot:
            parts.append(", ".join(f"{option} {number}" for option, number in ballot[name].items()))
    if "ranking" in ballot:
        parts.append(" > ".join(ballot["ranking"]))
    if "answers" in ballot:
        parts.append("; ".join(f"{slot}: {answer}" for slot, answer in ballot["answers"].items()))
    if "votes" in ballot:
        parts.append(f"{ballot['votes']} votes")
    return "; ".join(parts) or "approves nothing"


def _outcome(row: ProposalRow) -> str:
    if row.status == "withdrawn":
        return "withdrawn"
    if row.status == "open":
        return ""
    winners = json.loads(row.result)
    if winners:
        return ", ".join(winners)
    return {"yes": "passed", "no": "not passed"}.get(row.passed, "closed")


def _effects(node: Node, row: ProposalRow) -> list[str]:
    """Each effect of a closed proposal, with its action in words where there is one."""
    effects = json.loads(row.effects)
    actions = described(node, row)
    if len(actions) != len(effects):  # a budget's effects are the spending of the projects it funds
        return [f"{kind}: {what}" for kind, what in effects]
    return [f"{action}: {what}" for action, (_, what) in zip(actions, effects, strict=True)]


def vote(
    ctx: typer.Context,
    proposal: Ref,
    position: Annotated[str | None, typer.Argument(
        help="consent, abstain, object; agree, stand aside, disagree, block; for, against; support, unsure, "
             "concern: what the proposal's method asks.")] = None,
    reason: Annotated[str, typer.Option(help="Why (needed to object or block).")] = "",
    approve: Annotated[Many, typer.Option(help="An option or project you approve (repeat).")] = None,
    score: Annotated[Many, typer.Option(help="OPTION=N, from 0 to 5 (repeat).")] = None,
    dots: Annotated[Many, typer.Option("--dots", help="OPTION=N dots (repeat).")] = None,
    rank: Annotated[Many, typer.Option(help="An option, best first (repeat, in order).")] = None,
    answer: Annotated[Many, typer.Option(help="SLOT=yes, if need be or no (repeat).")] = None,
    votes: Annotated[int | None, typer.Option(help="Quadratic voting: how many votes (each costs votes²).")] = None,
) -> None:
    """Vote on an open proposal; a later vote of yours replaces the earlier one."""
    answers = {slot: words(word) for slot, word in (pair(value, "--answer", "SLOT=yes, SLOT=if need be or SLOT=no",
                                                           "=") for value in answer or ())}
    with opened(ctx, signing=True) as node:
        receipt = node.vote(proposal, position=words(position) if position else None, reason=reason,
                            approve=approve or (), scores=numbers(score, "--score"), dots=numbers(dots, "--dots"),
                            ranking=rank or (), answers=answers, votes=votes)
        row = node.proposal(proposal)
        _done(f"Voted on {plain(row.title)}", receipt)
        if not node.tally_hidden(row):
            try:
                statement = node.tally(row.proposal).statement
            except NodeError as error:  # the vote is in; what cannot be counted yet is said, not fatal
                statement = f"cannot be counted yet: {error}"
            console.print(f"As it stands: {plain(statement)}", highlight=False)


def delegate(
    ctx: typer.Context,
    network: Net,
    to: Annotated[str | None, typer.Argument(metavar="DELEGATE", help="Member: name, key or key prefix.")] = None,
    topic: Annotated[str | None, typer.Option(help="Only on proposals of this topic.")] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="Take your delegation back.")] = False,
) -> None:
    """Let a member vote for you when you do not vote yourself (or, with --revoke, stop)."""
    if revoke == (to is not None):
        raise fail("give a DELEGATE, or --revoke, not both")
    on = f" on {plain(topic)}" if topic else ""
    with opened(ctx, signing=True) as node:
        if to is None:
            _done(f"Delegation{on} revoked", node.revoke_delegation(network, topic))
            return
        receipt = node.delegate(network, to, topic)
        _done(f"{plain(node.name_of(node.resolve_agent(to)))} now votes for you{on} when you do not", receipt)


def delegations(ctx: typer.Context, network: Net) -> None:
    """Who lets whom vote for them, and on what."""
    from rich.table import Table

    with opened(ctx) as node:
        table = Table("member", "delegates to", "topic")
        for row in node.delegations(network):
            table.add_row(plain(node.name_of(row.member)), plain(node.name_of(row.delegate)),
                          plain(row.topic) or "every proposal")
        console.print(table)


def close(ctx: typer.Context, proposal: Ref,
          note: Annotated[str, typer.Option(help="A word for the record.")] = "") -> None:
    """Close a proposal whose time is up: the votes are counted; a passed proposal's actions apply."""
    with opened(ctx, signing=True) as node:
        receipt = node.close_proposal(proposal, note)
        row = node.proposal(proposal)
        _done(f"Closed {plain(row.title)}", receipt)
        console.print(plain(row.statement), highlight=False)
        for effect in _effects(node, row):
            console.print(f"- {plain(effect)}", highlight=False)


def proposals(ctx: typer.Context, network: Net,
              status: Annotated[str | None, typer.Option(help="open, closed or withdrawn.")] = None) -> None:
    """A network's proposals, newest first."""
    from rich.table import Table

    if status is not None and status not in _STATUSES:
        raise fail(f"--status must be one of: {', '.join(_STATUSES)}")
    with opened(ctx) as node:
        table = Table("id", "title", "method", "status", "closes", "outcome")
        for row in node.proposals(network, status):
            table.add_row(short(row.proposal), plain(row.title), row.method.replace("_", " "), row.status,
                          closes_text(row), plain(_outcome(row)))
        console.print(table)


def show(ctx: typer.Context, proposal: Ref) -> None:
    """Everything about a proposal: text, rule, actions, versions, comments, votes, outcome."""
    from rich.table import Table

    with opened(ctx) as node:
        row = node.proposal(proposal)
        console.print(f"[bold]{plain(row.title)}[/]  {row.proposal}")
        topic = f", topic {plain(row.topic)}" if row.topic else ""
        console.print(f"In {plain(node.name_of(row.network))}, by {plain(node.name_of(row.author))}{topic}; opened "
                      f"{row.opened[:19].replace('T', ' ')} UTC, closes {closes_text(row)}; {row.status}.",
                      highlight=False)
        if row.text:
            console.print(plain(row.text), highlight=False)
        console.print(f"Decided by {decided_by(row)}.", highlight=False)
        _setup(row)
        for number, words in enumerate(described(node, row), 1):
            console.print(f"Action {number}: {plain(words)}", highlight=False)
        versions = node.proposal_versions(row.proposal)
        if len(versions) > 1:
            table = Table("version", "time", "title", "note", title="Versions")
            for version in versions:
                table.add_row(str(version.version), version.time[:19].replace("T", " "), plain(version.title),
                              plain(version.note))
            console.print(table)
        for comment in node.comments(row.proposal):
            console.print(f"{plain(node.name_of(comment.author))} ({comment.time[:16].replace('T', ' ')}): "
                          f"{plain(comment.text)}", highlight=False)
        if node.tally_hidden(row):
            console.print("The charter hides the votes and the tally until the proposal closes.")
        else:
            _votes(node, row)
        for effect in _effects(node, row) if row.status == "closed" else ():
            console.print(f"- {plain(effect)}", highlight=False)


def _setup(row: ProposalRow) -> None:
    setup = json.loads(row.setup)
    if setup.get("options"):
        console.print(f"Options: {plain(', '.join(setup['options']))}", highlight=False)
    if "dots" in setup:
        console.print(f"Each member places {setup['dots']} dots.")
    if setup.get("projects"):
        projects = "; ".join(f"{p['id']} ({p['title']}, {p['cost']})" for p in setup["projects"])
        console.print(f"Budget {setup['budget']} {setup['currency']} for: {plain(projects)}", highlight=False)


def _votes(node: Node, row: ProposalRow) -> None:
    from rich.table import Table

    table = Table("voter", "vote", "reason", "time", title="Votes")
    for cast in sorted(node.votes(row.proposal), key=lambda cast: (node.name_of(cast.voter), cast.voter)):
        table.add_row(plain(node.name_of(cast.voter)), plain(_ballot(json.loads(cast.ballot))), plain(cast.reason),
                      cast.time[:19].replace("T", " "))
    console.print(table)
    if row.status != "open":
        console.print(f"Outcome: {plain(row.statement)}", highlight=False)
        return
    try:
        tally = node.tally(row.proposal)
    except NodeError as error:
        console.print(f"As it stands: the votes cannot be counted: {plain(str(error))}", highlight=False)
        return
    console.print(f"As it stands: {plain(tally.statement)}", highlight=False)
    resolution = tally.resolution
    for member, route in sorted(resolution.routes.items(), key=lambda item: (node.name_of(item[0]), item[0])):
        if route.delegate is None:
            continue
        path = " → ".join(plain(node.name_of(agent)) for agent in resolution.path(member))
        end = f"cast by {plain(node.name_of(route.voter))}" if route.voter else f"not cast ({route.stop})"
        console.print(f"Delegated: {path}: {end}", highlight=False)


def comment(ctx: typer.Context, proposal: Ref, text: Annotated[str, typer.Argument(help="What you say.")]) -> None:
    """Say something about a proposal."""
    with opened(ctx, signing=True) as node:
        _done("Commented", node.comment(proposal, text))


def amend(
    ctx: typer.Context,
    proposal: Ref,
    title: Annotated[str, typer.Option(help="The new title.")],
    text: Annotated[str, typer.Option(help="The new text, in full.")] = "",
    note: Annotated[str, typer.Option(help="What changed, and why.")] = "",
) -> None:
    """Rewrite your open proposal; every version is kept."""
    with opened(ctx, signing=True) as node:
        receipt = node.amend_proposal(proposal, title, text, note)
        _done(f"Amended to version {node.proposal(proposal).version}", receipt)


def withdraw(ctx: typer.Context, proposal: Ref,
             reason: Annotated[str, typer.Option(help="Why it is taken back.")] = "") -> None:
    """Take your open proposal back."""
    with opened(ctx, signing=True) as node:
        _done("Withdrawn", node.withdraw(proposal, reason))


def register(app: typer.Typer) -> None:
    for name, command in (("propose", propose), ("vote", vote), ("delegate", delegate),
                          ("delegations", delegations), ("close", close), ("proposals", proposals),
                          ("proposal", show), ("comment", comment), ("amend", amend), ("withdraw", withdraw)):
        app.command(name)(command)
