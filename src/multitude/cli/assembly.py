"""`multitude propose`, `vote`, `delegate`, `delegations`, `close`, `proposals`, `proposal`,
`comment`, `amend` and `withdraw`: the network's assembly.

Options are read into what the node's commands take; the node resolves names, the domain
judges the proposal and the votes. Nothing here decides anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from multitude.cli.accounting import Net
from multitude.cli.context import console, fail, opened, plain, short
from multitude.errors import NodeError

if TYPE_CHECKING:
    from multitude.domain.governance.rows import ProposalRow
    from multitude.node import Node, Receipt

__all__ = ["register"]

Ref = Annotated[str, typer.Argument(help="Proposal: id or id prefix (6+ hex digits).")]
Many = list[str] | None

_STATUSES = ("open", "closed", "withdrawn")


# -- reading options -------------------------------------------------------------------------


def _pair(value: str, option: str, shape: str, sep: str = ":") -> tuple[str, str]:
    """'A:B' (split at the last `sep`, so A may hold one) into its two non-empty parts."""
    left, found, right = value.rpartition(sep)
    if not found or not left.strip() or not right.strip():
        raise fail(f"{option} {value!r}: write it as {shape}")
    return left.strip(), right.strip()


def _numbers(values: Many, option: str) -> dict[str, int]:
    numbers = {}
    for value in values or ():
        name, number = _pair(value, option, "OPTION=N, e.g. garden=3", "=")
        if not number.isdigit():
            raise fail(f"{option} {value!r}: {number!r} is not a whole number")
        numbers[name] = int(number)
    return numbers


def _words(text: str) -> str:
    """'stand_aside', 'stand-aside' and 'stand aside' alike, so a shell needs no quotes."""
    return " ".join(text.replace("_", " ").replace("-", " ").split())


def _read(path: Path, option: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"{option} {path}: cannot read it: {error}") from None


def _object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise fail(f"{what} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise fail(f"{what} must be a JSON object, like {{\"kind\": \"grant_role\", ...}}")
    return value


def _actions(node: Node, network: str, given: Many, *, admit: Many, remove: Many, reason: str | None,
             grant: Many, revoke: Many, equation: Path | None, charter: Path | None, spend: Many, join: Many,
             leave: Many, accept: Many) -> list[dict[str, Any]]:
    """The proposal's actions: the JSON ones first, then those of the convenience options."""
    if reason is not None and not remove:
        raise fail("--reason goes with --remove")
    if remove and not reason:
        raise fail("--remove needs --reason: say why")
    actions = [_object(value, f"--action {value!r}") for value in given or ()]
    actions += [{"kind": "admit_member", "member": who} for who in admit or ()]
    actions += [{"kind": "remove_member", "member": who, "reason": reason} for who in remove or ()]
    for kind, values, option in (("grant_role", grant, "--grant"), ("revoke_role", revoke, "--revoke")):
        for value in values or ():
            member, role = _pair(value, option, "MEMBER:ROLE, e.g. ben:facilitator")
            actions.append({"kind": kind, "member": member, "role": role})
    if equation is not None:
        actions.append({"kind": "adopt_equation", "document": _read(equation, "--adopt-equation")})
    if charter is not None:
        row = node.network(network)
        changes = _object(_read(charter, "--amend-charter"), f"--amend-charter {charter}")
        actions.append({"kind": "amend_charter", "name": row.name, "purpose": row.purpose,
                        "charter": {**json.loads(row.charter), **changes}})
    for value in spend or ():
        amount, code, purpose = _three(value, "--spend", "AMOUNT:CURRENCY:PURPOSE, e.g. 120:EUR:a new drill")
        actions.append({"kind": "spend", "amount": amount, "currency": code, "purpose": purpose})
    for kind, values in (("join_network", join), ("leave_network", leave), ("accept_network", accept)):
        actions += [{"kind": kind, "network": other} for other in values or ()]
    return actions


def _three(value: str, option: str, shape: str) -> tuple[str, str, str]:
    """'A:B:C', the last part free to hold colons of its own."""
    parts = [part.strip() for part in value.split(":", 2)]
    if len(parts) != 3 or not all(parts):
        raise fail(f"{option} {value!r}: write it as {shape}")
    return parts[0], parts[1], parts[2]


def _projects(values: Many) -> list[dict[str, str]]:
    projects = []
    for value in values or ():
        project, cost, title = _three(value, "--project", "ID:COST:TITLE, e.g. shade:400:Shade sails")
        projects.append({"id": project, "cost": cost, "title": title})
    return projects


def _rule(method: str, figures: dict[str, str | None], quorum: str | None, quorum_by: str | None
          ) -> dict[str, Any] | None:
    """The decision rule the options give, checked against the method they are for."""
    from multitude.domain.governance.assembly import BINDING

    if quorum_by is not None and quorum is None:
        raise fail("--quorum-by goes with --quorum")
    rule: dict[str, Any] = {name: value for name, value in figures.items() if value is not None}
    if (rule or quorum) and method not in BINDING:
        raise fail(f"the {method} method decides nothing binding: give no --threshold, --comparison, --of, "
                   "--supermajority or --quorum")
    if method != "majority" and {"threshold", "comparison", "of"} & rule.keys():
        raise fail("--threshold, --comparison and --of belong to a majority")
    if method != "modified_consensus" and "supermajority" in rule:
        raise fail("--supermajority belongs to modified_consensus")
    if quorum is not None:
        rule["quorum"] = {"share": quorum, **({"by": quorum_by} if quorum_by else {})}
    return {"method": method, **rule} if rule else None


def _method(node: Node, network: str, method: str | None, actions: list[dict[str, Any]]) -> str:
    """The method asked for, or the one the charter decides the actions by."""
    from multitude.domain.governance.assembly import METHODS
    from multitude.domain.networks.rules import charter_of

    if method is None:
        if not actions:
            raise fail(f"give --method, one of: {', '.join(METHODS)}")
        return charter_of(node.network(network)).assembly.rule_for(str(actions[0].get("kind"))).method
    if method not in METHODS:
        raise fail(f"--method {method!r} is not a decision method; they are: {', '.join(METHODS)}")
    return method


# -- showing ---------------------------------------------------------------------------------


def _done(what: str, receipt: Receipt) -> None:
    state = "" if receipt.status == "applied" else f" ({receipt.status}: {plain(receipt.reason)})"
    console.print(f"{what} ({short(receipt.event)}){state}.")


def _decided_by(row: ProposalRow) -> str:
    from multitude.domain.governance.assembly import NON_BINDING, DecisionRule

    if row.rule:
        return DecisionRule.model_validate_json(row.rule).describe()
    words = row.method.replace("_", " ")
    return f"{words} (not binding)" if row.method in NON_BINDING else words


def _described(node: Node, row: ProposalRow) -> list[str]:
    from multitude.domain.governance.actions import describe
    from multitude.domain.governance.bodies import Action

    actions = [Action.model_validate(action) for action in json.loads(row.actions)]
    agents = {a for action in actions for a in (action.member, action.payee, action.network) if a}
    names = {agent: node.name_of(agent) for agent in agents}
    return [describe(action, names) for action in actions]


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
    described = _described(node, row)
    if len(described) != len(effects):  # a budget's effects are the spending of the projects it funds
        return [f"{kind}: {what}" for kind, what in effects]
    return [f"{words}: {what}" for words, (_, what) in zip(described, effects, strict=True)]


def _closes(row: ProposalRow) -> str:
    return row.closes[:19].replace("T", " ") + " UTC"


# -- commands --------------------------------------------------------------------------------


def propose(
    ctx: typer.Context,
    network: Net,
    title: Annotated[str, typer.Argument(help="What is proposed, in a line.")],
    closes: Annotated[str, typer.Option(help="When voting ends: +3d, +2h30m, or a time, 2026-12-01T18:00.")],
    method: Annotated[str | None, typer.Option(
        help="consent, consensus, modified_consensus, majority, advice, sense_check, approval, score, dots, "
             "instant_runoff, schulze, borda, meeting_time or budget (default with actions: the charter's).")] = None,
    text: Annotated[str | None, typer.Option(help="The proposal in full.")] = None,
    text_file: Annotated[Path | None, typer.Option(help="A file holding the proposal in full.")] = None,
    option: Annotated[Many, typer.Option("--option", help="A choice to vote on, or a meeting slot (repeat).")] = None,
    topic: Annotated[str | None, typer.Option(help="Its topic, for delegations by topic.")] = None,
    dots: Annotated[int | None, typer.Option(help="Dots each member places (dots).")] = None,
    threshold: Annotated[str | None, typer.Option(help="Majority: the share needed, e.g. 2/3.")] = None,
    comparison: Annotated[str | None, typer.Option(help="Majority: at_least or more_than the share.")] = None,
    of: Annotated[str | None, typer.Option("--of", help="Majority: of the votes_cast or of the members.")] = None,
    supermajority: Annotated[str | None, typer.Option(
        help="Modified consensus: the share of agree it passes with when blocked, e.g. 9/10.")] = None,
    quorum: Annotated[str | None, typer.Option(help="The share that must take part, e.g. 1/2.")] = None,
    quorum_by: Annotated[str | None, typer.Option(help="Quorum by count (of members) or weight.")] = None,
    action: Annotated[Many, typer.Option("--action", help='An action as JSON: {"kind": "grant_role", '
                                         '"member": "ben", "role": "facilitator"} (repeat).')] = None,
    admit: Annotated[Many, typer.Option(help="Admit this member (repeat).")] = None,
    remove: Annotated[Many, typer.Option(help="Remove this member (repeat; with --reason).")] = None,
    reason: Annotated[str | None, typer.Option(help="Why, for --remove.")] = None,
    grant: Annotated[Many, typer.Option(help="Grant a role: MEMBER:ROLE (repeat).")] = None,
    revoke: Annotated[Many, typer.Option(help="Revoke a role: MEMBER:ROLE (repeat).")] = None,
    adopt_equation: Annotated[Path | None, typer.Option(help="Adopt the value equation in this TOML file.")] = None,
    amend_charter: Annotated[Path | None, typer.Option(
        help='Amend the charter: a JSON file of the sections it replaces, e.g. {"assembly": {...}}.')] = None,
    spend: Annotated[Many, typer.Option(help="Spend: AMOUNT:CURRENCY:PURPOSE (repeat).")] = None,
    join: Annotated[Many, typer.Option(help="Join this network (repeat).")] = None,
    leave: Annotated[Many, typer.Option(help="Leave this network (repeat).")] = None,
    accept: Annotated[Many, typer.Option(help="Accept this network, which asked to join (repeat).")] = None,
    project: Annotated[Many, typer.Option(help="Budget: a project, ID:COST:TITLE (repeat).")] = None,
    budget: Annotated[str | None, typer.Option(help="Budget: the amount to share out.")] = None,
    currency: Annotated[str | None, typer.Option(help="Budget: its currency.")] = None,
    min_spend: Annotated[str | None, typer.Option(help="Budget: the least a round must spend.")] = None,
    max_spend: Annotated[str | None, typer.Option(help="Budget: the most a round may spend.")] = None,
) -> None:
    """Put a proposal to a network: a decision (with actions that apply if it passes) or a choice."""
    if text is not None and text_file is not None:
        raise fail("give --text or --text-file, not both")
    body = _read(text_file, "--text-file") if text_file is not None else text or ""
    with opened(ctx, signing=True) as node:
        actions = _actions(node, network, action, admit=admit, remove=remove, reason=reason, grant=grant,
                           revoke=revoke, equation=adopt_equation, charter=amend_charter, spend=spend, join=join,
                           leave=leave, accept=accept)
        chosen = _method(node, network, method, actions)
        rule = _rule(chosen, {"threshold": threshold, "comparison": comparison, "of": of,
                              "supermajority": supermajority}, quorum, quorum_by)
        receipt = node.propose(network, title, chosen, closes, text=body, options=option or (), topic=topic,
                               actions=actions, rule=rule, dots=dots, projects=_projects(project), budget=budget,
                               currency=currency, min_spend=min_spend, max_spend=max_spend)
        row = node.proposal(receipt.event)
        console.print(f"Proposal {row.proposal} opened.")
        doing = "; ".join(_described(node, row))
        console.print(f"{plain(row.title)}: decided by {_decided_by(row)}, closes {_closes(row)}"
                      f"{'; ' + plain(doing) if doing else ''}.", highlight=False)


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
    answers = {slot: _words(word) for slot, word in (_pair(value, "--answer", "SLOT=yes, SLOT=if need be or SLOT=no",
                                                           "=") for value in answer or ())}
    with opened(ctx, signing=True) as node:
        receipt = node.vote(proposal, position=_words(position) if position else None, reason=reason,
                            approve=approve or (), scores=_numbers(score, "--score"), dots=_numbers(dots, "--dots"),
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
                          _closes(row), plain(_outcome(row)))
        console.print(table)


def show(ctx: typer.Context, proposal: Ref) -> None:
    """Everything about a proposal: text, rule, actions, versions, comments, votes, outcome."""
    from rich.table import Table

    with opened(ctx) as node:
        row = node.proposal(proposal)
        console.print(f"[bold]{plain(row.title)}[/]  {row.proposal}")
        topic = f", topic {plain(row.topic)}" if row.topic else ""
        console.print(f"In {plain(node.name_of(row.network))}, by {plain(node.name_of(row.author))}{topic}; opened "
                      f"{row.opened[:19].replace('T', ' ')} UTC, closes {_closes(row)}; {row.status}.", highlight=False)
        if row.text:
            console.print(plain(row.text), highlight=False)
        console.print(f"Decided by {_decided_by(row)}.", highlight=False)
        _setup(row)
        for number, words in enumerate(_described(node, row), 1):
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
    tally = node.tally(row.proposal)
    console.print(f"As it stands: {plain(tally.statement)}", highlight=False)
    resolution = tally.resolution
    for member, route in sorted(resolution.routes.items(), key=lambda item: node.name_of(item[0])):
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
