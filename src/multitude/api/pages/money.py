"""Pages of a network's money: its incomes with Preview and Distribute, the form to record one
(custodians), its distributions; and a distribution's page: the split per recipient as a chart
and a table, and why each recipient got what they got, the member viewing first."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from multitude.api.access import network_or_404, require_insider
from multitude.api.charts import Figure, donut
from multitude.api.context import Acting, SignedIn, node_of
from multitude.api.hosting import Caller
from multitude.api.pages.forms import see_other
from multitude.api.paging import Offset, page_of
from multitude.api.problems import Invalid, NotFound, Problem
from multitude.api.templating import render
from multitude.api.views.money import (
    DistributionOut,
    RecipientTotal,
    SplitLineOut,
    SplitOut,
    distribution_out,
    distribution_summaries,
    equation_place,
    income_of,
    incomes_of,
    money_in,
    split_out,
)
from multitude.domain.networks.rules import charter_of
from multitude.domain.rules import holds
from multitude.domain.state import NetworkRow
from multitude.errors import NodeError, Refused

__all__ = ["problem_of", "router", "split_chart"]

router = APIRouter(include_in_schema=False)

PER_PAGE = 50


def split_chart(split: SplitOut | DistributionOut) -> Figure:
    """What each recipient gets, as a donut (the page puts the table of totals beside it)."""
    return donut([total.name for total in split.totals], [float(total.amount) for total in split.totals])  # drawn only


def problem_of(error: Exception, document: str | None = None) -> dict[str, Any]:
    """What went wrong, for the page to show beside the field at fault (a document's with its
    line and column), or above the forms: field (without the place), status, message, line, column."""
    if isinstance(error, Problem):
        field, status, message = error.field or "", error.status, error.message
    else:
        field, status, message = "", 403 if isinstance(error, Refused) else 422, str(error)
    line = column = None
    if document is not None and field.startswith("document"):
        line, column = equation_place(document, message)
        if line is not None:  # said once, first, by the page
            message = re.sub(r"\s*\(at line \d+(, column \d+)?\)", "", message)
    return {"field": field.partition(":")[0], "status": status, "message": message, "line": line, "column": column}


def _money_page(request: Request, caller: Caller, row: NetworkRow, *, status: int = 200,
                problem: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                preview: SplitOut | None = None, previewed: str | None = None, incomes_from: int = 0,
                distributions_from: int = 0) -> HTMLResponse:
    node = node_of(request)
    agent = node.speaking_as(caller.key).agent
    require_insider(node, row, agent, "incomes")
    every = incomes_of(node, row.network)
    return render(request, "money.html", status=status, json_url=f"/api/v1/networks/{row.network}/incomes",
                  n=row, incomes=page_of(every, PER_PAGE, incomes_from),
                  distributions=page_of(distribution_summaries(node, row.network), PER_PAGE, distributions_from),
                  can_record=holds(node.projector.state, row.network, agent, "custodian"),
                  currencies=[currency.code for currency in charter_of(row).currencies],
                  has_equation=node.equation(row.network) is not None, problem=problem, values=values or {},
                  preview=preview, preview_chart=split_chart(preview) if preview else None,
                  previewed=next((income for income in every if income.income == previewed), None))


@router.get("/n/{network}/money")
async def money_page(request: Request, caller: SignedIn, network: str, incomes_from: Offset = 0,
                     distributions_from: Offset = 0) -> HTMLResponse:
    return _money_page(request, caller, network_or_404(node_of(request), network), incomes_from=incomes_from,
                       distributions_from=distributions_from)


@router.post("/n/{network}/incomes")
async def record_income(request: Request, caller: Acting, network: str,
                        amount: Annotated[str, Form(max_length=40)] = "",
                        currency: Annotated[str, Form(max_length=12)] = "",
                        source: Annotated[str, Form(max_length=120)] = "",
                        note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    node = node_of(request)
    row = network_or_404(node, network)
    values = {"amount": amount, "currency": currency, "source": source, "note": note}
    try:
        if not source.strip():
            raise Invalid("say who paid, or for what", "source")
        exact, code = money_in(row, amount, currency or None)
        node.speaking_as(caller.key).record_income(row.network, exact, code, source.strip(), note=note.strip())
    except (Problem, NodeError) as error:
        problem = problem_of(error)
        return _money_page(request, caller, row, status=problem["status"], problem=problem, values=values)
    return see_other(f"/n/{row.network}/money#incomes")


@router.post("/n/{network}/incomes/{income}/preview")
async def preview_income(request: Request, caller: Acting, network: str, income: str) -> HTMLResponse:
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "previews")
    found = income_of(node, row.network, income)
    try:
        split = split_out(node, node.preview_split(row.network, found.amount, found.currency, income=found.income))
    except NodeError as error:
        problem = problem_of(error)
        return _money_page(request, caller, row, status=problem["status"], problem=problem)
    return _money_page(request, caller, row, preview=split, previewed=found.income)


@router.post("/n/{network}/incomes/{income}/distribute")
async def distribute(request: Request, caller: Acting, network: str, income: str) -> Response:
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "incomes")  # before saying which exist
    found = income_of(node, row.network, income)
    try:
        receipt = node.speaking_as(caller.key).distribute(row.network, found.income)
    except NodeError as error:
        problem = problem_of(error)
        return _money_page(request, caller, row, status=problem["status"], problem=problem)
    return see_other(f"/d/{receipt.event}")


@dataclass(frozen=True)
class Recipient:
    """One recipient of a distribution: what they got in all, the lines that paid it, and
    whether they are the member viewing."""

    total: RecipientTotal
    lines: list[SplitLineOut]
    mine: bool


def _recipients(distribution: DistributionOut, agent: str) -> list[Recipient]:
    lines: dict[str, list[SplitLineOut]] = defaultdict(list)
    for line in distribution.lines:
        lines[line.recipient].append(line)
    found = [Recipient(total, lines[total.recipient], total.recipient == agent)
             for total in distribution.totals if lines[total.recipient]]
    return sorted(found, key=lambda recipient: not recipient.mine)  # the viewer first, the rest as totals go


@router.get("/d/{distribution}")
async def distribution_page(request: Request, caller: SignedIn, distribution: str,
                            agent: str | None = None) -> HTMLResponse:
    node = node_of(request)
    try:
        row = node.distribution(distribution)
    except NodeError as error:
        raise NotFound(str(error)) from None
    network = network_or_404(node, row.network)
    me = node.speaking_as(caller.key).agent
    require_insider(node, network, me, "distributions")
    try:
        member = node.resolve_agent(agent) if agent else None
    except NodeError as error:
        raise NotFound(str(error)) from None
    shown = distribution_out(node, row, member)
    mine = next((total for total in shown.totals if total.recipient == me), None)
    return render(request, "distribution.html", json_url=f"/api/v1/distributions/{row.distribution}", d=shown,
                  chart_figure=split_chart(shown), recipients=_recipients(shown, me), mine=mine)
