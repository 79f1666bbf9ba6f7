"""Pages: the event log with where each event stands, one event with its checks, and the
audit of the whole log."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from multitude.api.context import SignedIn, node_of
from multitude.api.paging import Limit, Offset
from multitude.api.templating import render
from multitude.api.views.events import EventId, Order, event_detail, event_page, latest_audit, visible_networks
from multitude.domain import event_types

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# A filter form sends its empty choices as empty strings: here they mean "any".
AnyNetwork = Annotated[str, Query(max_length=200)]
AnyAuthor = Annotated[str, Query(pattern=r"^([0-9a-f]{64})?$")]
AnyType = Annotated[str, Query(max_length=70)]
AnyStatus = Annotated[Literal["", "applied", "rejected", "pending"], Query()]


@router.get("/events")
async def events_page(request: Request, caller: SignedIn, limit: Limit = 50, offset: Offset = 0,
                      order: Order = "newest", network: AnyNetwork = "", author: AnyAuthor = "",
                      type: AnyType = "", status: AnyStatus = "") -> HTMLResponse:
    node = node_of(request)
    agent = node.speaking_as(caller.key).agent
    page = event_page(node, agent, limit=limit, offset=offset, order=order, network=network or None,
                      author=author or None, type=type or None, status=status or None)
    chosen = {key: value for key, value in
              (("network", network), ("author", author), ("type", type), ("status", status)) if value}
    if order != "newest":
        chosen["order"] = order

    def at(start: int) -> str:
        return "?" + urlencode({**chosen, "limit": limit, "offset": start})

    previous = at(max(offset - limit, 0)) if offset > 0 else None
    following = at(page.next_offset) if page.next_offset is not None else None
    networks = sorted((node.name_of(net), net) for net in visible_networks(node, agent))
    return render(request, "events.html", json_url="/api/v1/events" + at(offset), page=page, chosen=chosen,
                  order=order, networks=networks, types=[kind.name for kind in event_types()],
                  previous=previous, following=following)


@router.get("/events/{event}")
async def event_page_of(request: Request, caller: SignedIn, event: EventId) -> HTMLResponse:
    node = node_of(request)
    detail = event_detail(node, node.speaking_as(caller.key).agent, event)
    return render(request, "event.html", json_url=f"/api/v1/events/{event}", e=detail)


@router.get("/verify")
async def verify_page(request: Request, caller: SignedIn) -> HTMLResponse:
    result = latest_audit(node_of(request), request.app.state)
    return render(request, "verify.html", json_url="/api/v1/verify", audit=result)
