"""The log over HTTP: the node's health, events with where each stands, one event as signed,
events signed elsewhere, and the audit of the whole log."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from multitude.api.context import SignedIn, node_of
from multitude.api.paging import Limit, Offset, Page
from multitude.api.problems import Invalid
from multitude.api.routes.responses import ReceiptOut, errors, receipt_out
from multitude.api.views.events import (
    AuditOut,
    AuthorFilter,
    EventDetail,
    EventId,
    EventOut,
    EventWire,
    NetworkFilter,
    Order,
    StatusFilter,
    TypeFilter,
    event_detail,
    event_page,
    latest_audit,
)
from multitude.domain import InvalidBody
from multitude.ledger import MalformedEvent
from multitude.ledger.event import MAX_EVENT_BYTES

__all__ = ["router"]

router = APIRouter(prefix="/api/v1")

_ENVELOPE = MAX_EVENT_BYTES + 512  # the largest signed event with its id and signature around it


class Health(BaseModel):
    status: str
    events: int


@router.get("/health", response_model=Health, tags=["node"])
async def health(request: Request) -> Health:
    """Whether the node answers, and how many events its log holds. Public: with signing up,
    logging in and posting a signed event, the one route an anonymous client may call (a
    monitor needs no account)."""
    return Health(status="ok", events=node_of(request).store.count_events())


@router.head("/health", include_in_schema=False)
async def health_head(request: Request) -> Response:
    """The same, for monitors that only ask whether the node answers."""
    return Response(status_code=200)


@router.get("/events", response_model=Page[EventOut], responses=errors(401, 403, 404, 422), tags=["events"])
async def list_events(request: Request, caller: SignedIn, limit: Limit = 50, offset: Offset = 0,
                      order: Order = "newest", network: NetworkFilter = None, author: AuthorFilter = None,
                      type: TypeFilter = None, status: StatusFilter = None) -> Page[EventOut]:
    """Events with where each stands (applied, or rejected with the reason, or pending), in the
    order this node received them. Events in a network are listed to its members only (and to
    members of the networks it belongs to); `total` counts what the caller may see."""
    node = node_of(request)
    return event_page(node, node.speaking_as(caller.key).agent, limit=limit, offset=offset, order=order,
                      network=network, author=author, type=type, status=status)


@router.get("/events/{event}", response_model=EventDetail, responses=errors(401, 403, 404, 422), tags=["events"])
async def get_event(request: Request, caller: SignedIn, event: EventId) -> EventDetail:
    """One event as its author signed it, where it stands, and whether its signature and chain check."""
    node = node_of(request)
    return event_detail(node, node.speaking_as(caller.key).agent, event)


async def _envelope(request: Request) -> bytes:
    """The request's body, refused once it is longer than any event can be."""
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > _ENVELOPE:
            raise Invalid(f"is longer than an event may be ({MAX_EVENT_BYTES} bytes)", field="event")
    return bytes(data)


@router.post(
    "/events", status_code=201, response_model=ReceiptOut, tags=["events"],
    responses={200: {"model": ReceiptOut, "description": "Already held: where it stands"}, **errors(403, 422)},
    openapi_extra={"requestBody": {"required": True, "description": "The event as signed (its wire form)",
                                   "content": {"application/json": {"schema": EventWire.model_json_schema()}}}},
)
async def submit_event(request: Request, response: Response) -> ReceiptOut:
    """An event signed elsewhere (another node's command line), posted as it was signed. No login
    is needed: the author's signature is the authority, not a session here.

    Accepted: 201 with where it stands. Already held: 200, the same. Malformed, or not signed
    by its author: 422 naming the part. The rules reject it: 403 with the rule's reason, and
    nothing is stored (replication by bundles keeps such events, as evidence).
    """
    data = await _envelope(request)
    try:
        receipt, new = node_of(request).submit_checked(data)
    except (MalformedEvent, InvalidBody) as error:
        raise Invalid(str(error), field=error.field) from None
    if not new:
        response.status_code = 200
    return receipt_out(receipt)


@router.get("/verify", response_model=AuditOut, responses=errors(401), tags=["node"])
async def verify(request: Request, caller: SignedIn) -> AuditOut:
    """Check every event's bytes, id, signature and chain, and the projection against a fresh
    fold of the log, as `multitude verify` does."""
    return latest_audit(node_of(request), request.app.state)
