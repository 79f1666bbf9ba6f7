"""`multitude propose`: opening a proposal, its options read into what `Node.propose` takes
(actions as flags or JSON, the rule's figures, a budget's projects). The node resolves names and
the domain judges the proposal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from multitude.cli.accounting import Net
from multitude.cli.context import console, fail, opened, plain

if TYPE_CHECKING:
    from multitude.domain.governance.rows import ProposalRow
    from multitude.node import Node

__all__ = ["Many", "closes_text", "decided_by", "described", "numbers", "pair", "propose", "words"]

Many = list[str] | None


# -- reading options -------------------------------------------------------------------------


def pair(value: str, option: str, shape: str, sep: str = ":") -> tuple[str, str]:
    """'A:B' (split at the last `sep`, so A may hold one) into its two non-empty parts."""
    left, found, right = value.rpartition(sep)
    if not found or not left.strip() or not right.strip():
        raise fail(f"{option} {value!r}: write it as {shape}")
    return left.strip(), right.strip()


def numbers(values: Many, option: str) -> dict[str, int]:
    numbers = {}
    for value in values or ():
        name, number = pair(value, option, "OPTION=N, e.g. garden=3", "=")
        if not number.isdigit():
            raise fail(f"{option} {value!r}: {number!r} is not a whole number")
        numbers[name] = int(number)
    return numbers


def words(text: str) -> str:
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
            member, role = pair(value, option, "MEMBER:ROLE, e.g. ben:facilitator")
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



def decided_by(row: ProposalRow) -> str:
    from multitude.domain.governance.assembly import NON_BINDING, DecisionRule

    if row.rule:
        return DecisionRule.model_validate_json(row.rule).describe()
    words = row.method.replace("_", " ")
    return f"{words} (not binding)" if row.method in NON_BINDING else words


def described(node: Node, row: ProposalRow) -> list[str]:
    from multitude.domain.governance.actions import describe
    from multitude.domain.governance.bodies import Action

    actions = [Action.model_validate(action) for action in json.loads(row.actions)]
    agents = {a for action in actions for a in (action.member, action.payee, action.network) if a}
    names = {agent: node.name_of(agent) for agent in agents}
    return [describe(action, names) for action in actions]


def closes_text(row: ProposalRow) -> str:
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
        doing = "; ".join(described(node, row))
        console.print(f"{plain(row.title)}: decided by {decided_by(row)}, closes {closes_text(row)}"
                      f"{'; ' + plain(doing) if doing else ''}.", highlight=False)


