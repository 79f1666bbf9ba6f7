"""Pages: home (my networks, what needs me), the list of networks with a form to create one, and
a network's page with joining, deciding on joins and granting roles."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from multitude.api.access import network_or_404
from multitude.api.charts import bars_by_month, network_graph
from multitude.api.context import Acting, Anyone, SignedIn, node_of
from multitude.api.pages.forms import see_other
from multitude.api.paging import Offset
from multitude.api.templating import render
from multitude.api.views.me import me_of
from multitude.api.views.networks import network_detail, network_summaries
from multitude.domain.state import under
from multitude.errors import NodeError, Refused

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request, caller: Anyone) -> HTMLResponse:
    if caller is None:
        return render(request, "welcome.html")
    return render(request, "home.html", json_url="/api/v1/me", profile=me_of(node_of(request), caller))


@router.get("/networks")
async def networks_page(request: Request, caller: SignedIn, q: Annotated[str, Query(max_length=200)] = "",
                        offset: Offset = 0) -> HTMLResponse:
    found = network_summaries(node_of(request), q, 50, offset)
    address = "/api/v1/networks?" + urlencode({"q": q, "offset": offset})
    return render(request, "networks.html", json_url=address, networks=found, q=q, values={})


@router.post("/networks")
async def create_network(request: Request, caller: Acting, name: Annotated[str, Form()] = "",
                         purpose: Annotated[str, Form()] = "", membership: Annotated[str, Form()] = "open",
                         currency: Annotated[str, Form()] = "", validation: Annotated[str, Form()] = "none",
                         approvals: Annotated[int, Form()] = 1) -> Response:
    node = node_of(request)
    values = {"name": name, "purpose": purpose, "membership": membership, "currency": currency,
              "validation": validation, "approvals": approvals}
    code = currency.strip().upper()
    try:
        if not name.strip():
            raise NodeError("a network needs a name")
        created = node.speaking_as(caller.key).create_network(
            name.strip(), purpose.strip(), membership, currencies={code: 2} if code else None,
            validation={"policy": "peers", "approvals": approvals} if validation == "peers" else None)
    except NodeError as error:
        return render(request, "networks.html", status=403 if isinstance(error, Refused) else 422,
                      networks=network_summaries(node), q="", error=str(error), values=values)
    return see_other(f"/n/{created}")


@router.get("/n/{network}")
async def network_page(request: Request, caller: SignedIn, network: str) -> HTMLResponse:
    node = node_of(request)
    row = network_or_404(node, network)
    detail = network_detail(node, row, node.speaking_as(caller.key).agent)
    by_month = bars_by_month([(p.period, p.action, p.contributions) for p in detail.contributions_by_month],
                             "contributions")
    graph = network_graph(detail.name, [n.name for n in detail.supernetworks], [n.name for n in detail.subnetworks])
    requests = []
    if detail.can_decide_joins:
        memberships = under(node.projector.state.memberships, row.network)
        requests = [(m.member, node.name_of(m.member), m.reason) for m in memberships if m.status == "requested"]
    return render(request, "network.html", json_url=f"/api/v1/networks/{row.network}", n=detail,
                  by_month=by_month, graph=graph, requests=requests)


def _back(network: str) -> Response:
    return see_other(f"/n/{network}")


@router.post("/n/{network}/join")
async def join(request: Request, caller: Acting, network: str, note: Annotated[str, Form()] = "") -> Response:
    node = node_of(request)
    row = network_or_404(node, network)
    node.speaking_as(caller.key).request_membership(row.network, note.strip())
    return _back(row.network)


@router.post("/n/{network}/members/{member}/approve")
async def approve(request: Request, caller: Acting, network: str, member: str) -> Response:
    node = node_of(request)
    row = network_or_404(node, network)
    node.speaking_as(caller.key).approve(row.network, member)
    return _back(row.network)


@router.post("/n/{network}/members/{member}/decline")
async def decline(request: Request, caller: Acting, network: str, member: str,
                  reason: Annotated[str, Form()] = "") -> Response:
    node = node_of(request)
    row = network_or_404(node, network)
    node.speaking_as(caller.key).decline(row.network, member, reason.strip() or "declined")
    return _back(row.network)


@router.post("/n/{network}/roles")
async def grant_role(request: Request, caller: Acting, network: str, member: Annotated[str, Form()] = "",
                     role: Annotated[str, Form()] = "") -> Response:
    node = node_of(request)
    row = network_or_404(node, network)
    node.speaking_as(caller.key).grant_role(row.network, member, role.strip())
    return _back(row.network)
