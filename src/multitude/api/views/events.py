"""The log as pages and the API show it: events with where each stands, one event with its
checks, and the audit of the whole log.

Who may read an event: anyone signed in when it has no network (profiles, networks being
created); a network's insiders (access.is_insider) when it is in one. What a reader may not
see is left out by the store's query, so pages and totals count only what they may see.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel

from multitude.api.access import is_insider, network_or_404, require_insider
from multitude.api.paging import Page
from multitude.api.problems import Forbidden, Invalid, NotFound
from multitude.domain import event_types
from multitude.domain.state import under
from multitude.ledger import CanonicalError, Event, MalformedEvent
from multitude.ledger.event import from_stored, reopen
from multitude.node import Node
from multitude.projection.audit import Audit
from multitude.store import EventFilter, EventRow

__all__ = [
    "HEX64",
    "AuditOut",
    "AuthorFilter",
    "EventDetail",
    "EventId",
    "EventOut",
    "EventWire",
    "NetworkFilter",
    "Order",
    "StatusFilter",
    "TypeFilter",
    "audit_out",
    "event_detail",
    "event_page",
    "latest_audit",
    "visible_networks",
]

HEX64 = r"^[0-9a-f]{64}$"

EventId = Annotated[str, Path(pattern=HEX64, description="the event's id (64 hex)")]
NetworkFilter = Annotated[str | None, Query(min_length=1, max_length=200,
                                            description="only events in this network (id or name)")]
AuthorFilter = Annotated[str | None, Query(pattern=HEX64, description="only events signed by this key")]
TypeFilter = Annotated[str | None, Query(min_length=1, max_length=70,
                                         description="only events of this type, e.g. membership.approved")]
StatusFilter = Annotated[Literal["applied", "rejected", "pending"] | None,
                         Query(description="only events that stand so in the projection")]
Order = Annotated[Literal["newest", "oldest"],
                  Query(description="newest or oldest first, in the order this node received them")]


class EventWire(BaseModel):
    """An event as its author signed it and nodes send it to each other."""

    id: str
    author: str
    seq: int
    prev: str | None
    time: str
    type: str
    network: str | None
    body: dict[str, Any]
    sig: str


class EventOut(BaseModel):
    id: str
    author: str
    author_name: str
    seq: int
    time: str
    type: str
    network: str | None
    network_name: str
    status: str  # applied | rejected | pending
    reason: str  # why it was rejected, or what it waits for
    body: dict[str, Any]


class EventDetail(BaseModel):
    event: EventWire  # as signed: what another node may be sent (POST /api/v1/events takes it back)
    author_name: str
    network_name: str
    status: str
    reason: str
    signature_holds: bool  # the id is the hash of the stored content, and the signature is the author's
    signature: str  # what the signature check found, in words
    chain_holds: bool  # it follows its author's previous event, held here (or is the author's first)
    chain: str  # what the chain check found, in words


class FindingOut(BaseModel):
    subject: str  # an event, an author, or a projection row
    message: str


class AuditOut(BaseModel):
    """What `multitude verify` says: every signature, id and chain, and the projection against a
    fresh fold of the log."""

    intact: bool
    events: int  # events checked
    problems: list[FindingOut]  # each means the store is not intact
    notes: list[FindingOut]  # worth knowing (gaps, equivocations), not damage
    distributions: int  # distributions recomputed from the log and found as recorded
    recomputed: str
    summary: str
    verified_at: str  # when this verification ran (UTC); a repeat within seconds shows the last run


def visible_networks(node: Node, agent: str) -> frozenset[str]:
    """The networks whose events `agent` may read: those it is a member of, and those that belong
    to one of them, all the way down (is_insider's rule, for every network at once)."""
    state = node.projector.state
    todo = [row.network for row in under(state.memberships, agent, 1) if row.status == "member"]
    seen: set[str] = set()
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(row.member for row in under(state.memberships, current)
                        if row.status == "member" and row.kind == "network")
    return frozenset(network for network in seen if (network,) in state.networks)


def _require_visible(node: Node, network: str | None, agent: str) -> None:
    if network is not None and not is_insider(node, network, agent):
        raise Forbidden(f"only members of {node.name_of(network)} can see its events")


def _checked_type(type: str | None) -> str | None:
    known = [kind.name for kind in event_types()]
    if type is not None and type not in known:
        raise Invalid(f"{type!r} is not an event type; they are: {', '.join(known)}", field="type")
    return type


def event_page(node: Node, agent: str, *, limit: int, offset: int, order: str = "newest",
               network: str | None = None, author: str | None = None, type: str | None = None,
               status: str | None = None) -> Page[EventOut]:
    """A page of the events `agent` may see, newest or oldest first in the order received."""
    scope = None
    if network is not None:
        row = network_or_404(node, network)
        require_insider(node, row, agent, "events")
        scope = row.network
    newest = order == "newest"
    query = EventFilter(network=scope, author=author, type=_checked_type(type), status=status,
                        visible_in=visible_networks(node, agent), offset=offset,
                        last=limit if newest else None, limit=None if newest else limit)
    entries = node.log(query)
    total = node.store.count_events(query)
    if newest:
        entries.reverse()
    items = [
        EventOut(id=event.id, author=event.author, author_name=node.name_of(event.author), seq=event.seq,
                 time=event.time, type=event.type, network=event.network,
                 network_name=node.name_of(event.network) if event.network else "",
                 status=receipt.status, reason=receipt.reason, body=dict(event.body))
        for event, receipt in entries
    ]
    following = offset + limit if offset + limit < total else None
    return Page[EventOut](items=items, total=total, limit=limit, offset=offset, next_offset=following)


def _chain(node: Node, event: Event) -> tuple[bool, str]:
    if event.prev is None:
        return True, "the first event its author signed"
    held = node.store.events_by_id([event.prev])
    if not held:
        return False, f"chain gap: its author's seq {event.seq - 1} ({event.prev[:12]}) is not here"
    prev = held[0]
    if prev.author != event.author or prev.seq != event.seq - 1:
        return False, f"prev names {event.prev[:12]}, which is not its author's seq {event.seq - 1}"
    return True, f"follows its author's seq {event.seq - 1} ({event.prev[:12]})"


def _as_stored(row: EventRow) -> EventWire:
    """An event whose stored bytes do not check, shown as far as they can be read."""
    try:
        return EventWire(**from_stored(row.id, row.payload, row.sig).wire_dict())
    except (CanonicalError, KeyError, TypeError):
        return EventWire(id=row.id, author=row.author, seq=row.seq, prev=row.prev, time=row.time, type=row.type,
                         network=row.network, body={}, sig=row.sig)


def event_detail(node: Node, agent: str, event_id: str) -> EventDetail:
    rows = node.store.events_by_id([event_id])
    if not rows:
        raise NotFound(f"no event {event_id[:12]} in this node's log")
    row = rows[0]
    _require_visible(node, row.network, agent)
    receipt = node.status(event_id)
    try:
        event = reopen(row.id, row.payload, row.sig)
    except MalformedEvent as error:
        wire, holds, said = _as_stored(row), False, f"{error.field} {error.problem}"
        chain = (False, "not checked: the event itself does not check")
    else:
        wire = EventWire(**event.wire_dict())
        holds, said = True, "its id is the hash of its content, and its author signed it"
        chain = _chain(node, event)
    return EventDetail(event=wire, author_name=node.name_of(wire.author),
                       network_name=node.name_of(wire.network) if wire.network else "",
                       status=receipt.status, reason=receipt.reason, signature_holds=holds, signature=said,
                       chain_holds=chain[0], chain=chain[1])


def latest_audit(node: Node, state: Any) -> AuditOut:
    """The node's verification: run again only when the last run is older than
    `state.verify_every` seconds. It refolds the whole log on the node's one loop, and anyone
    signed in may ask for it: without this, asking again and again would stall the node."""
    kept: tuple[float, AuditOut] | None = getattr(state, "last_audit", None)
    if kept is not None and time.monotonic() - kept[0] < state.verify_every:
        return kept[1]
    result = audit_out(node.verify())
    state.last_audit = (time.monotonic(), result)
    return result


def audit_out(audit: Audit) -> AuditOut:
    """The audit in the words `multitude verify` uses."""
    if audit.intact:
        summary = f"Intact: {audit.events} events, signatures, ids and projection all check."
    else:
        summary = f"Not intact: {len(audit.problems)} problems in {audit.events} events."
    return AuditOut(
        intact=audit.intact, events=audit.events,
        problems=[FindingOut(subject=f.subject, message=f.message) for f in audit.problems],
        notes=[FindingOut(subject=f.subject, message=f.message) for f in audit.notes],
        distributions=audit.distributions, recomputed=audit.recomputed(), summary=summary,
        verified_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
