"""Contributions as the API and the pages show them: what a new one may hold (one shape for the
JSON body and the form), one contribution with its note, evidence and verdicts, the filtered
list, the queue of those waiting for one member's verdict, and a member's page. The rules of
what counts live in the domain; nothing here decides whether a contribution is accepted."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from multitude.api.context import node_of, writer_of
from multitude.api.hosting import Caller
from multitude.api.paging import Page, page_of
from multitude.api.problems import Invalid, NotFound
from multitude.api.views.me import attention_of, summary_of
from multitude.api.views.networks import Period, contributions_by_month
from multitude.domain.accounting.quantities import EXACT, canonical_decimal, decimal_text, parse_duration
from multitude.domain.accounting.rows import ContributionRow
from multitude.domain.state import NetworkRow
from multitude.errors import NodeError
from multitude.ledger.event import from_stored
from multitude.node import Command, Node, Receipt
from multitude.store import EventFilter

__all__ = [
    "Action",
    "ActionTotal",
    "ContributionDetail",
    "ContributionIn",
    "ContributionOut",
    "LastActivity",
    "MemberSummary",
    "NoteIn",
    "PayoutOut",
    "ReasonIn",
    "Status",
    "VerdictOut",
    "contribution_detail",
    "contribution_page",
    "contribution_rows",
    "contributions_out",
    "last_activity",
    "log_contribution",
    "member_summary",
    "queue_rows",
]

Action = Literal["work", "use", "consume", "cite", "transfer", "deliverService", "produce"]
Status = Literal["pending", "validated", "flagged", "retracted", "corrected"]
Tag = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Link = Annotated[str, Field(min_length=1, max_length=500)]
LATEST = 10  # contributions shown on a member's page


class ContributionIn(BaseModel):
    """A contribution to log. Numbers are decimal strings (plain numbers are read as such)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    action: Action
    hours: str | None = Field(None, max_length=20, description="hours (1.5) or a duration: 90m, 2h, 1h30m, 1d = 8h")
    quantity: str | None = Field(None, max_length=40, description="units consumed or produced; value cited")
    amount: str | None = Field(None, max_length=40, description="money transferred")
    currency: str | None = Field(None, pattern=r"^[A-Z][A-Z0-9]{2,11}$")
    percent: str | None = Field(None, max_length=40, description="a citation's share of the process it went into")
    rate: str | None = Field(None, max_length=40, description="value of an hour of this work")
    skill: str | None = Field(None, min_length=1, max_length=60)
    resource: str | None = Field(None, min_length=1, max_length=120, description="id, id prefix or name")
    process: str | None = Field(None, min_length=1, max_length=120, description="id, id prefix or name")
    plan: str | None = Field(None, min_length=1, max_length=60)
    happened: datetime.date | None = Field(None, description="the day it was given (YYYY-MM-DD); today if not said")
    note: str = Field("", max_length=2000)
    evidence: list[Link] = Field(default_factory=list, max_length=20, description="links to evidence")
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    corrects: str | None = Field(None, pattern=r"^[0-9a-f]{6,64}$", description="a contribution of yours it replaces")

    @field_validator("hours")
    @classmethod
    def _duration(cls, hours: str | None) -> str | None:
        return None if hours is None else parse_duration(hours)

    @field_validator("quantity", "amount", "percent", "rate")
    @classmethod
    def _decimal(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else canonical_decimal(value, info.field_name or "number")


class NoteIn(BaseModel):
    note: str = Field("", max_length=2000)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ContributionOut(BaseModel):
    contribution: str
    contributor: str
    contributor_name: str
    action: str
    summary: str  # '2h work', 'cite 10%', …
    hours: str  # exact decimals; "0" when the action has none
    quantity: str
    value: str
    skill: str
    tags: list[str]
    day: str  # YYYY-MM-DD it was given
    status: str  # pending | validated | flagged | retracted | corrected
    approvals: int
    flags: int
    note: str
    evidence: list[str]


class VerdictOut(BaseModel):
    validator: str
    validator_name: str
    verdict: str  # approved | flagged
    reason: str
    event: str


class ContributionDetail(ContributionOut):
    verdicts: list[VerdictOut]


class ActionTotal(BaseModel):
    action: str
    contributions: int
    hours: str
    value: str


class PayoutOut(BaseModel):
    """What one distribution paid a member (all its lines to them added up)."""

    distribution: str
    time: str  # when the distribution was recorded
    day: str
    amount: str
    currency: str


class Received(BaseModel):
    currency: str
    amount: str


class MemberSummary(BaseModel):
    network: str
    network_name: str
    member: str
    name: str
    status: str  # member | left | removed | … ; "" when they belong only through a member network
    roles: list[str]
    by_action: list[ActionTotal]  # contributions that count or may count
    by_month: list[Period]
    payouts: list[PayoutOut]
    received: list[Received]  # the payouts added up, by currency
    latest: list[ContributionOut]


class LastActivity(BaseModel):
    """What the log form starts from: the caller's most recent contribution here, else work."""

    action: str = "work"
    skill: str = ""
    tags: list[str] = Field(default_factory=list)


async def log_contribution(request: Request, caller: Caller, network: str, entry: ContributionIn) -> Receipt:
    """Sign and append a contribution as the caller (refused as the rules say), with the others
    logged at the same moment (see api.writer)."""
    happened = entry.happened.isoformat() if entry.happened else None
    net, body = node_of(request).contribution_body(
        network, entry.action, hours=entry.hours, quantity=entry.quantity, amount=entry.amount,
        currency=entry.currency, percent=entry.percent, rate=entry.rate, skill=entry.skill,
        resource=entry.resource, process=entry.process, plan=entry.plan, happened=happened, note=entry.note,
        evidence=entry.evidence, tags=entry.tags, corrects=entry.corrects)
    return await writer_of(request).act(Command(caller.key, "contribution.logged", body, net))


def _tags(stored: str) -> list[str]:
    return [tag for tag in stored.split(",") if tag]


def _out(node: Node, row: ContributionRow, body: Mapping[str, Any]) -> ContributionOut:
    return ContributionOut(
        contribution=row.contribution, contributor=row.contributor, contributor_name=node.name_of(row.contributor),
        action=row.action, summary=summary_of(row), hours=row.hours, quantity=row.quantity, value=row.value,
        skill=row.skill, tags=_tags(row.tags), day=row.day, status=row.status, approvals=row.approvals,
        flags=row.flags, note=str(body.get("note", "")), evidence=[str(link) for link in body.get("evidence", ())])


def contributions_out(node: Node, rows: Sequence[ContributionRow]) -> list[ContributionOut]:
    """The rows with the note and evidence of their events (read for these rows only)."""
    bodies = {event.id: from_stored(event.id, event.payload, event.sig).body
              for event in node.store.events_by_id([row.contribution for row in rows])}
    return [_out(node, row, bodies.get(row.contribution, {})) for row in rows]


def contribution_page(node: Node, rows: Sequence[ContributionRow], limit: int, offset: int) -> Page[ContributionOut]:
    window = page_of(rows, limit, offset)
    return Page[ContributionOut](items=contributions_out(node, window.items), total=window.total, limit=limit,
                                 offset=offset, next_offset=window.next_offset)


def contribution_rows(node: Node, network: str, *, status: str | None = None, contributor: str | None = None,
                      action: str | None = None, since: datetime.date | None = None,
                      until: datetime.date | None = None) -> list[ContributionRow]:
    """A network's contributions by day, then id; `contributor` is a key or a name."""
    try:
        rows = node.contributions(network, status, contributor)
    except NodeError as error:
        raise Invalid(str(error), "contributor") from None
    first = since.isoformat() if since else ""
    last = until.isoformat() if until else "9999-12-31"
    return [row for row in rows if (action is None or row.action == action) and first <= row.day <= last]


def _row(node: Node, network: str, ref: str) -> ContributionRow:
    found: ContributionRow | None = node.projector.state.contributions.get((network, ref))
    if found is not None:
        return found
    matches = [row for row in node.contributions(network) if len(ref) >= 6 and row.contribution.startswith(ref)]
    if len(matches) != 1:
        raise NotFound(f"no contribution {ref!r} in this network" if not matches else f"{ref!r} names several")
    return matches[0]


def contribution_detail(node: Node, network: str, ref: str) -> ContributionDetail:
    """One contribution (by id or id prefix) with the verdicts on it, by the validator's name."""
    row = _row(node, network, ref)
    verdicts = sorted(
        (VerdictOut(validator=v.validator, validator_name=node.name_of(v.validator), verdict=v.verdict,
                    reason=v.reason, event=v.event)
         for v in node.projector.select("verdicts", network=network, contribution=row.contribution)),
        key=lambda verdict: (verdict.validator_name, verdict.validator))
    return ContributionDetail(**contributions_out(node, [row])[0].model_dump(), verdicts=verdicts)


def queue_rows(node: Node, network: str, agent: str) -> list[ContributionRow]:
    """Pending contributions of others that `agent` may judge and has not, by day, then id."""
    waiting = {item.contribution for item in attention_of(node, agent).to_validate if item.network == network}
    return [row for row in node.contributions(network, "pending") if row.contribution in waiting] if waiting else []


def last_activity(node: Node, network: str, author: str) -> LastActivity:
    """The action, skill and tags of the latest contribution `author` signed in the network."""
    latest = node.log(EventFilter(network=network, author=author, type="contribution.logged", last=1))
    if not latest:
        return LastActivity()
    body = latest[0][0].body
    return LastActivity(action=str(body.get("action", "work")), skill=str(body.get("skill", "")),
                        tags=[str(tag) for tag in body.get("tags", ())])


def _payouts(node: Node, network: str, member: str) -> list[PayoutOut]:
    distributions = node.distributions(network)
    times = {event.id: event.time for event in node.store.events_by_id([d.distribution for d in distributions])}
    payouts = []
    for distribution in distributions:
        lines = node.payout_lines(distribution.distribution, agent=member)
        if lines:
            time = times.get(distribution.distribution, "")
            amount = Decimal(0)
            for line in lines:
                amount = EXACT.add(amount, Decimal(line.amount))
            payouts.append(PayoutOut(distribution=distribution.distribution, time=time, day=time[:10],
                                     amount=decimal_text(amount), currency=distribution.currency))
    return payouts


def member_summary(node: Node, network: NetworkRow, ref: str) -> MemberSummary:
    """A member's roles, contributions (by action and month, and the latest, newest first) and
    the payouts they received, in the order the distributions were recorded."""
    net = network.network
    try:
        member = node.resolve_agent(ref)
    except NodeError:
        raise NotFound(f"no member {ref!r} in {network.name}") from None
    membership = node.projector.state.memberships.get((net, member))
    if membership is None and all(m.agent != member for m in node.members(net)):
        raise NotFound(f"no member {ref!r} in {network.name}")
    rows = node.contributions(net, contributor=member)
    totals: dict[str, tuple[int, Decimal, Decimal]] = {}
    for row in rows:
        if row.status in ("pending", "validated"):
            count, hours, value = totals.get(row.action, (0, Decimal(0), Decimal(0)))
            totals[row.action] = (count + 1, EXACT.add(hours, Decimal(row.hours)), EXACT.add(value, Decimal(row.value)))
    by_action = [ActionTotal(action=action, contributions=count, hours=decimal_text(hours),
                             value=decimal_text(value))
                 for action, (count, hours, value) in sorted(totals.items())]
    payouts = _payouts(node, net, member)
    received: dict[str, Decimal] = defaultdict(Decimal)
    for payout in payouts:
        received[payout.currency] = EXACT.add(received[payout.currency], Decimal(payout.amount))
    return MemberSummary(
        network=net, network_name=network.name, member=member, name=node.name_of(member),
        status=membership.status if membership else "", roles=list(node.roles(net, member)), by_action=by_action,
        by_month=contributions_by_month(node, net, member), payouts=payouts,
        received=[Received(currency=c, amount=decimal_text(a)) for c, a in sorted(received.items())],
        latest=contributions_out(node, list(reversed(rows[-LATEST:]))))
