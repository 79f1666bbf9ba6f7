"""The value equation page: the document in a text area, Check (its problems shown beside it,
naming the line), a sandbox that previews the split of an amount by the typed document on
current data, and Adopt for custodians. Each POST re-renders the page keeping what was typed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from multitude.api.access import is_insider, network_or_404, require_insider
from multitude.api.context import Acting, SignedIn, node_of
from multitude.api.hosting import Caller
from multitude.api.pages.forms import see_other
from multitude.api.pages.money import problem_of, split_chart
from multitude.api.problems import Problem
from multitude.api.templating import render
from multitude.api.views.money import (
    SplitOut,
    adopt_document,
    check_document,
    equations_of,
    preview_amount,
)
from multitude.domain.networks.rules import charter_of
from multitude.domain.rules import holds
from multitude.domain.state import NetworkRow
from multitude.errors import NodeError

__all__ = ["STARTER", "router"]

router = APIRouter(include_in_schema=False)

# What the text area holds before a network has adopted anything: a working example to edit.
STARTER = """name = "Our shares"
version = 1

[[bucket]]
name = "commons"
percent = 10
recipient = "network"

[[bucket]]
name = "contributors"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  value = "hours"
"""

Document = Annotated[str, Form(max_length=32_000)]


def _page(request: Request, caller: Caller, row: NetworkRow, document: str | None = None, *, status: int = 200,
          problem: dict[str, Any] | None = None, checked: bool = False, preview: SplitOut | None = None,
          values: dict[str, str] | None = None) -> HTMLResponse:
    node = node_of(request)
    agent = node.speaking_as(caller.key).agent
    equations = equations_of(node, row)
    if document is None:
        document = equations.in_force.document if equations.in_force else STARTER
    return render(request, "equation.html", status=status, json_url=f"/api/v1/networks/{row.network}/equation",
                  n=row, equations=equations, document=document, problem=problem, checked=checked,
                  preview=preview, preview_chart=split_chart(preview) if preview else None,
                  values=values or {}, insider=is_insider(node, row.network, agent),
                  can_adopt=holds(node.projector.state, row.network, agent, "custodian"),
                  currencies=[currency.code for currency in charter_of(row).currencies])


@router.get("/n/{network}/equation")
async def equation_page(request: Request, caller: SignedIn, network: str) -> HTMLResponse:
    return _page(request, caller, network_or_404(node_of(request), network))


@router.post("/n/{network}/equation/check")
async def check(request: Request, caller: Acting, network: str, document: Document = "") -> HTMLResponse:
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "contributions")
    try:
        check_document(node, row, document)
    except (Problem, NodeError) as error:
        problem = problem_of(error, document)
        return _page(request, caller, row, document, status=problem["status"], problem=problem)
    return _page(request, caller, row, document, checked=True)


@router.post("/n/{network}/equation/preview")
async def preview(request: Request, caller: Acting, network: str, document: Document = "",
                  amount: Annotated[str, Form(max_length=40)] = "",
                  currency: Annotated[str, Form(max_length=12)] = "") -> HTMLResponse:
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "previews")
    values = {"amount": amount, "currency": currency}
    try:
        split = preview_amount(node, row, amount, currency or None, document)
    except (Problem, NodeError) as error:
        problem = problem_of(error, document)
        return _page(request, caller, row, document, status=problem["status"], problem=problem, values=values)
    return _page(request, caller, row, document, preview=split, values=values)


@router.post("/n/{network}/equation/adopt")
async def adopt(request: Request, caller: Acting, network: str, document: Document = "") -> Response:
    node = node_of(request)
    row = network_or_404(node, network)
    try:
        adopt_document(node.speaking_as(caller.key), row, document)
    except (Problem, NodeError) as error:
        problem = problem_of(error, document)
        return _page(request, caller, row, document, status=problem["status"], problem=problem)
    return see_other(f"/n/{row.network}/equation")
