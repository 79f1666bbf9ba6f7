"""Pages of assemblies: a network's proposals with the form to open one, a proposal with its
ballot (fit for a phone, for every method), live tally as a chart beside a table, delegation,
comments, amending, withdrawing and closing; and the network's delegations. Each renders the
model its JSON route returns; a form that cannot be carried out is shown again with the reason
beside it, and nothing is stored."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from multitude.api.charts import Figure, stacked_bars
from multitude.api.context import Acting, SignedIn, insider
from multitude.api.hosting import Caller
from multitude.api.pages.forms import see_other
from multitude.api.pages.money import problem_of
from multitude.api.paging import Limit, Offset, page_of
from multitude.api.problems import Invalid, NotFound, Problem
from multitude.api.templating import render
from multitude.api.views.assemblies import (
    ProposalDetail,
    delegations_out,
    proposal_detail,
    proposal_insider,
    proposal_summaries,
)
from multitude.api.views.proposing import (
    ProposalIn,
    VoteIn,
    fields_named,
    open_proposal,
)
from multitude.domain.governance.assembly import BINDING, CHOICES
from multitude.domain.governance.methods import ANSWERS
from multitude.domain.networks.rules import charter_of
from multitude.domain.rules import is_member
from multitude.errors import NodeError

__all__ = ["ACTION_LABELS", "CLOSING_PRESETS", "MEASURES", "METHOD_LABELS", "router"]

router = APIRouter(include_in_schema=False)

METHOD_LABELS = {
    "consent": "Consent: passes unless someone objects, with a reason",
    "consensus": "Consensus: passes when someone agrees and nobody blocks",
    "modified_consensus": "Modified consensus: a block can be outvoted by a supermajority",
    "majority": "Majority vote: for, against or abstain",
    "advice": "Advice: gather views, not binding",
    "sense_check": "Sense check: a quick reading of the room, not binding",
    "approval": "Approval: approve any of the options",
    "score": "Score: rate each option from 0 to 5",
    "dots": "Dots: place a number of dots on the options",
    "instant_runoff": "Instant runoff: rank the options",
    "schulze": "Schulze: rank the options",
    "borda": "Borda count: rank the options",
    "meeting_time": "Meeting time: yes, if need be or no for each slot",
    "budget": "Participatory budget: approve projects within a budget",
}
# The actions the form offers (amending the charter is for the API: it takes a whole charter).
ACTION_LABELS = {
    "admit_member": "Admit a member", "remove_member": "Remove a member", "grant_role": "Grant a role",
    "revoke_role": "Revoke a role", "adopt_equation": "Adopt a value equation", "spend": "Spend money",
    "join_network": "Join a network", "leave_network": "Leave a network",
    "accept_network": "Accept a network as a member",
}
ACTION_FIELDS = ("kind", "member", "role", "reason", "document", "amount", "currency", "purpose", "payee", "network")
ACTION_SLOTS = 3
CLOSING_PRESETS = (("+1d", "1 day"), ("+3d", "3 days"), ("+7d", "1 week"), ("+14d", "2 weeks"))
PROPOSAL_FIELDS = ("title", "text", "method", "preset", "after", "closes", "topic", "options", "dots", "projects",
                   "budget", "currency")
_DELAY = re.compile(r"\+?(\d{1,3}d)?(\d{1,4}h)?(\d{1,5}m)?(\d{1,6}s)?")
PER_PAGE = 50
# What a tally's figures measure, where it is not the weight behind each position or option: the
# chart's axis and the table's column.
MEASURES = {"score": "score", "dots": "dots", "schulze": "options beaten", "borda": "Borda points",
            "instant_runoff": "weight in the last round", "meeting_time": "weight available"}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _problem(error: Exception) -> dict[str, Any]:
    """What went wrong, with `key`: the part of the form it is about ("title", "actions.0", …)."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ()))
        error = Invalid(f"{field}: {str(first.get('msg', 'is not valid')).removeprefix('Value error, ')}", field)
    problem = problem_of(error)
    parts = (error.field or "").split(".") if isinstance(error, Problem) else [""]
    problem["key"] = ".".join(parts[:2]) if parts[0] == "actions" else parts[0]
    return problem


# -- a network's proposals -------------------------------------------------------------------
def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _projects(text: str) -> list[dict[str, str]]:
    projects = []
    for number, line in enumerate(_lines(text), 1):
        parts = [part.strip() for part in line.split(";", 2)]
        if len(parts) != 3 or not all(parts):
            raise Invalid(f"projects: line {number} ({line!r}) is not `id; cost; title`", "projects")
        projects.append({"id": parts[0], "cost": parts[1], "title": parts[2]})
    return projects


def _actions(form: FormData) -> list[dict[str, str]]:
    actions = []
    for slot in range(ACTION_SLOTS):
        given = {name: _text(form, f"action-{slot}-{name}") for name in ACTION_FIELDS}
        if given["kind"]:
            actions.append({name: value for name, value in given.items() if value})
    return actions


def _closes(form: FormData) -> str:
    """When voting closes: a moment, else a delay ("+45m", "45m" alike), else a preset."""
    moment, typed = _text(form, "closes"), _text(form, "after")
    delay = typed.replace(" ", "")
    if moment and delay:
        raise Invalid("after: give a delay or a moment (UTC) below, not both", "after")
    if delay and not (_DELAY.fullmatch(delay) and delay.strip("+")):
        raise Invalid(f"after: {typed!r} is not a delay such as +45m, +2h30m or +90s", "after")
    return moment or ("+" + delay.lstrip("+") if delay else "") or _text(form, "preset") or "+3d"


def _proposal_in(form: FormData) -> ProposalIn:
    """The form's values as the API's body; the parts that do not belong to the method chosen
    (options typed before switching to consent, say) are left out."""
    method = _text(form, "method")
    given: dict[str, Any] = {"title": _text(form, "title"), "text": _text(form, "text"), "method": method,
                             "closes": _closes(form)}
    if _text(form, "topic"):
        given["topic"] = _text(form, "topic")
    if method in CHOICES and method != "budget":
        given["options"] = _lines(_text(form, "options"))
    if method == "dots":
        given["dots"] = _text(form, "dots") or None
    if method == "budget":
        given |= {"projects": _projects(_text(form, "projects")), "budget": _text(form, "budget") or None,
                  "currency": _text(form, "currency") or None}
    if method in BINDING:
        given["actions"] = _actions(form)
    return ProposalIn.model_validate(given)


def _proposals_page(request: Request, caller: Caller, network: str, *, status: int = 200, state: str = "",
                    limit: int = PER_PAGE, offset: int = 0, values: dict[str, str] | None = None,
                    problem: dict[str, Any] | None = None) -> HTMLResponse:
    node, row, agent = insider(request, caller, network, "proposals")
    page = page_of(proposal_summaries(node, row.network, state or None), limit, offset)
    charter = charter_of(row)
    json_url = f"/api/v1/networks/{row.network}/proposals" + (f"?status={state}" if state else "")
    return render(request, "proposals.html", status=status, json_url=json_url, n=row, page=page, state=state,
                  may_propose=is_member(node.projector.state, row.network, agent), methods=METHOD_LABELS,
                  binding=BINDING, choices=[method for method in CHOICES if method != "budget"],
                  actions=ACTION_LABELS, slots=range(ACTION_SLOTS), presets=CLOSING_PRESETS,
                  roles=charter.all_roles(), currencies=[c.code for c in charter.currencies],
                  members=node.members(row.network), values=values or {"preset": "+3d"}, problem=problem)


@router.get("/n/{network}/proposals")
async def proposals_page(request: Request, caller: SignedIn, network: str, status: str = "",
                         limit: Limit = PER_PAGE, offset: Offset = 0) -> HTMLResponse:
    if status not in ("", "open", "closed", "withdrawn"):
        raise Invalid(f"status: {status!r} is not open, closed or withdrawn", "status")
    return _proposals_page(request, caller, network, state=status, limit=limit, offset=offset)


@router.post("/n/{network}/proposals")
async def propose(request: Request, caller: Acting, network: str) -> Response:
    node, row, _ = insider(request, caller, network, "proposals")
    form = await request.form()
    values = {name: _text(form, name) for name in PROPOSAL_FIELDS}
    values |= {f"action-{slot}-{name}": _text(form, f"action-{slot}-{name}")
               for slot in range(ACTION_SLOTS) for name in ACTION_FIELDS}
    try:
        receipt = open_proposal(node.speaking_as(caller.key), row.network, _proposal_in(form))
    except (ValidationError, Problem, NodeError) as error:
        problem = _problem(error)
        return _proposals_page(request, caller, row.network, status=problem["status"], values=values,
                               problem=problem)
    return see_other(f"/proposals/{receipt.event}?opened=1")


# -- one proposal -----------------------------------------------------------------------------
def _tally_chart(detail: ProposalDetail, measure: str) -> Figure | None:
    """The tally's figures as bars (drawn only: the table beside it has the exact figures)."""
    if detail.tally is None or not detail.tally.figures:
        return None
    labels = [figure.label for figure in detail.tally.figures]
    values = [_drawn(figure.value) for figure in detail.tally.figures]
    return stacked_bars(labels, {measure: values}, measure)


def _drawn(value: str) -> int | float:
    numerator, _, denominator = value.partition("/")
    return int(numerator) if not denominator else int(numerator) / int(denominator)


def _ballot_words(ballot: dict[str, Any], reason: str, options: list[str]) -> str:
    """A vote in words, options in the proposal's order: "object: too loud", "approves tea, mate",
    "tea 5, coffee 2" …"""
    if "position" in ballot:
        said = str(ballot["position"])
    elif "scores" in ballot or "dots" in ballot:
        given = ballot.get("scores") or ballot.get("dots") or {}
        unit = " dots" if "dots" in ballot else ""
        said = ", ".join(f"{option} {given[option]}{unit}" for option in options if option in given)
    elif "ranking" in ballot:
        said = " › ".join(ballot["ranking"])
    elif "answers" in ballot:
        said = "; ".join(f"{slot}: {ballot['answers'][slot]}" for slot in options if slot in ballot["answers"])
    else:
        approved = set(ballot.get("approve", ()))
        said = "approves " + (", ".join(option for option in options if option in approved) or "nothing")
    if ballot.get("votes") is not None:
        said += f" ({ballot['votes']} vote{'' if ballot['votes'] == 1 else 's'})"
    return f"{said}: {reason}" if reason else said


def _ballot_values(detail: ProposalDetail, values: dict[str, str], approved: list[str]) -> dict[str, Any]:
    """What the ballot form starts from: what was just sent when it could not be counted, else
    my vote in force (so that changing a vote starts from it)."""
    if values:
        return {**values, "approve": approved}
    if detail.my_vote is None:
        return {"approve": []}
    ballot, options = detail.my_vote.ballot, detail.ballot.options
    start: dict[str, Any] = {"position": ballot.get("position", ""), "reason": detail.my_vote.reason,
                             "votes": ballot.get("votes"),
                             "approve": [str(options.index(o)) for o in ballot.get("approve", ()) if o in options]}
    for part, field in (("scores", "score"), ("dots", "dots"), ("answers", "answer")):
        start |= {f"{field}-{options.index(o)}": value for o, value in ballot.get(part, {}).items() if o in options}
    start |= {f"rank-{options.index(o)}": rank for rank, o in enumerate(ballot.get("ranking", ()), 1) if o in options}
    return start


def _proposal_page(request: Request, caller: Caller, ref: str, *, status: int = 200,
                   problem: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                   approved: list[str] | None = None, version: int | None = None,
                   notice: str | None = None) -> HTMLResponse:
    node, row, _, agent = proposal_insider(request, caller, ref)
    detail = proposal_detail(node, row, agent)
    measure = MEASURES.get(detail.method, "weight")
    shown = None
    if version is not None:
        shown = next((v for v in detail.versions if v.version == version), None)
        if shown is None:
            raise NotFound(f"the proposal has no version {version} (it has {detail.version})")
    return render(request, "proposal.html", status=status, json_url=f"/api/v1/proposals/{row.proposal}", p=detail,
                  shown=shown, chart_figure=_tally_chart(detail, measure), measure=measure,
                  method_label=METHOD_LABELS[detail.method],
                  answers=ANSWERS, problem=problem, values=values or {}, notice=notice,
                  member=is_member(node.projector.state, row.network, agent),
                  ballot=_ballot_values(detail, (values or {}) if problem and problem.get("form") == "vote" else {},
                                        approved or []),
                  my_vote=_ballot_words(detail.my_vote.ballot, detail.my_vote.reason, detail.ballot.options)
                  if detail.my_vote else "")


@router.get("/proposals/{proposal}")
async def proposal_page(request: Request, caller: SignedIn, proposal: str, version: int | None = None,
                        opened: str = "", done: str = "") -> HTMLResponse:
    said = {"vote": "Your vote is recorded; you can change it until the proposal closes.",
            "comment": "Comment added.", "amend": "Amended: the earlier version is kept.", "withdraw": "Withdrawn.",
            "close": "Closed: the outcome is below."}
    notice = "Proposal opened." if opened else said.get(done)
    return _proposal_page(request, caller, proposal, version=version, notice=notice)


def _whole(form: FormData, name: str, label: str) -> int | None:
    text = _text(form, name)
    if not text:
        return None
    if not re.fullmatch(r"-?\d{1,6}", text):
        raise Invalid(f"{label}: {text!r} is not a whole number", name)
    return int(text)


def _ballot(form: FormData, detail: ProposalDetail) -> VoteIn:
    """The ballot form's values as the API's body; options are sent by their place in the list."""
    shape = detail.ballot
    options = shape.options
    given: dict[str, Any] = {"reason": _text(form, "reason")}
    if shape.reads == "position":
        given["position"] = _text(form, "position") or None
        if given["position"] is None:
            raise Invalid("position: choose one", "position")
    elif shape.reads == "approve":
        chosen = {value for value in form.getlist("approve") if isinstance(value, str)}
        given["approve"] = [option for index, option in enumerate(options) if str(index) in chosen]
    elif shape.reads in ("scores", "dots"):
        field = "score" if shape.reads == "scores" else "dots"
        given[shape.reads] = {option: _whole(form, f"{field}-{index}", option) or 0
                              for index, option in enumerate(options)}
    elif shape.reads == "ranking":
        ranks = {option: _whole(form, f"rank-{index}", f"rank of {option}") for index, option in enumerate(options)}
        ranked = sorted((rank, index, option) for index, (option, rank) in enumerate(ranks.items())
                        if rank is not None)
        taken = [rank for rank, _, _ in ranked]
        if len(set(taken)) != len(taken):
            twice = next(rank for rank in taken if taken.count(rank) > 1)
            raise Invalid(f"ranking: two options have rank {twice}; give each its own", "ranking")
        given["ranking"] = [option for _, _, option in ranked]
    else:
        given["answers"] = {option: _text(form, f"answer-{index}") or "no" for index, option in enumerate(options)}
    if shape.quadratic_credits is not None:
        given["votes"] = _whole(form, "votes", "votes")
    return VoteIn.model_validate(given)


async def _act(request: Request, caller: Caller, proposal: str, form_name: str) -> Response:
    """Carry out one of the proposal page's forms; shown again with the reason when it cannot be."""
    node, row, _, agent = proposal_insider(request, caller, proposal)
    form = await request.form()
    values = {name: _text(form, name) for name in form if isinstance(name, str) and name != "csrf"}
    acting = node.speaking_as(caller.key)
    try:
        with fields_named():
            if form_name == "vote":
                ballot = _ballot(form, proposal_detail(node, row, agent))
                acting.vote(row.proposal, position=ballot.position, reason=ballot.reason, approve=ballot.approve,
                            scores=ballot.scores, dots=ballot.dots, ranking=ballot.ranking, answers=ballot.answers,
                            votes=ballot.votes)
            elif form_name == "comment":
                if not values.get("text"):
                    raise Invalid("text: write something first", "text")
                acting.comment(row.proposal, values["text"])
            elif form_name == "amend":
                acting.amend_proposal(row.proposal, values.get("title", ""), values.get("text", ""),
                                      values.get("note", ""))
            elif form_name == "withdraw":
                acting.withdraw(row.proposal, values.get("reason", ""))
            else:
                acting.close_proposal(row.proposal, values.get("note", ""))
    except (ValidationError, Problem, NodeError) as error:
        problem = _problem(error) | {"form": form_name}
        approved = [value for value in form.getlist("approve") if isinstance(value, str)]
        return _proposal_page(request, caller, row.proposal, status=problem["status"], problem=problem,
                              values=values, approved=approved)
    return see_other(f"/proposals/{row.proposal}?done={form_name}#{form_name}")


@router.post("/proposals/{proposal}/votes")
async def vote(request: Request, caller: Acting, proposal: str) -> Response:
    return await _act(request, caller, proposal, "vote")


@router.post("/proposals/{proposal}/comments")
async def comment(request: Request, caller: Acting, proposal: str) -> Response:
    return await _act(request, caller, proposal, "comment")


@router.post("/proposals/{proposal}/amendments")
async def amend(request: Request, caller: Acting, proposal: str) -> Response:
    return await _act(request, caller, proposal, "amend")


@router.post("/proposals/{proposal}/withdrawal")
async def withdraw(request: Request, caller: Acting, proposal: str) -> Response:
    return await _act(request, caller, proposal, "withdraw")


@router.post("/proposals/{proposal}/close")
async def close(request: Request, caller: Acting, proposal: str) -> Response:
    return await _act(request, caller, proposal, "close")


# -- delegations ------------------------------------------------------------------------------
def _delegations_page(request: Request, caller: Caller, network: str, *, status: int = 200,
                      problem: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                      notice: str | None = None) -> HTMLResponse:
    node, row, agent = insider(request, caller, network, "delegations")
    every = delegations_out(node, row.network)
    members = [m for m in node.members(row.network) if m.agent != agent and not m.via]
    return render(request, "delegations.html", status=status, json_url=f"/api/v1/networks/{row.network}/delegations",
                  n=row, delegations=every, mine=[d for d in every if d.member == agent],
                  to_me=[d for d in every if d.delegate == agent], members=members,
                  may_delegate=is_member(node.projector.state, row.network, agent), problem=problem,
                  values=values or {}, notice=notice)


@router.get("/n/{network}/delegations")
async def delegations_page(request: Request, caller: SignedIn, network: str, done: str = "") -> HTMLResponse:
    notice = {"set": "Your delegation is set.", "revoked": "Your delegation is revoked."}.get(done)
    return _delegations_page(request, caller, network, notice=notice)


@router.post("/n/{network}/delegations")
async def delegate(request: Request, caller: Acting, network: str) -> Response:
    node, row, _ = insider(request, caller, network, "delegations")
    form = await request.form()
    values = {"delegate": _text(form, "delegate"), "topic": _text(form, "topic")}
    try:
        if not values["delegate"]:
            raise Invalid("delegate: choose whom your vote goes to", "delegate")
        if values["topic"] and not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", values["topic"]):
            raise Invalid("topic: lowercase letters, digits, - and _, starting with a letter", "topic")
        with fields_named():
            node.speaking_as(caller.key).delegate(row.network, values["delegate"], values["topic"] or None)
    except (Problem, NodeError) as error:
        problem = _problem(error)
        return _delegations_page(request, caller, row.network, status=problem["status"], problem=problem,
                                 values=values)
    return see_other(f"/n/{row.network}/delegations?done=set")


@router.post("/n/{network}/delegations/revoke")
async def revoke(request: Request, caller: Acting, network: str) -> Response:
    node, row, _ = insider(request, caller, network, "delegations")
    form = await request.form()
    try:
        with fields_named():
            node.speaking_as(caller.key).revoke_delegation(row.network, _text(form, "topic") or None)
    except (Problem, NodeError) as error:
        problem = _problem(error)
        return _delegations_page(request, caller, row.network, status=problem["status"], problem=problem)
    return see_other(f"/n/{row.network}/delegations?done=revoked")
