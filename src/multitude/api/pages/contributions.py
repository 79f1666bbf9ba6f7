"""Pages of contributions: logging one in a few taps (the last activity remembered), the
validation queue with Approve and Red-flag, the network's contributions with filters, and a
member's page with charts. Each renders the model its JSON route returns."""

from __future__ import annotations

import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from multitude.api.access import network_or_404
from multitude.api.charts import bars_by_month, donut, timeline
from multitude.api.context import Acting, SignedIn, insider, node_of
from multitude.api.hosting import Caller
from multitude.api.pages.forms import see_other
from multitude.api.paging import Limit, Offset
from multitude.api.problems import Forbidden, Invalid
from multitude.api.templating import render
from multitude.api.views.contributions import (
    ContributionIn,
    contribution_page,
    contribution_rows,
    last_activity,
    log_contribution,
    member_summary,
    queue_rows,
)
from multitude.domain.accounting.bodies import ACTIONS
from multitude.domain.rules import is_member
from multitude.domain.state import NetworkRow
from multitude.errors import NodeError, Refused

__all__ = ["ACTION_LABELS", "PRESETS", "router"]

router = APIRouter(include_in_schema=False)

PRESETS = (("15m", "15 min"), ("30m", "30 min"), ("1h", "1 hour"), ("2h", "2 hours"),
           ("4h", "half day (4h)"), ("8h", "day (8h)"))
# What each kind of contribution is called on the form (ValueFlows' names are the values).
ACTION_LABELS = {"work": "Work", "deliverService": "A service delivered", "use": "Use of a resource",
                 "consume": "Materials consumed", "cite": "A citation (a design, code, an idea)",
                 "transfer": "Money put in", "produce": "Something produced"}
STATUSES = ("pending", "validated", "flagged", "retracted", "corrected")
PER_PAGE = 50


def _today() -> str:
    # The day in UTC, the calendar the node dates events in: a later day would be refused.
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def _log_form(request: Request, row: NetworkRow, values: dict[str, str], status: int = 200,
              error: str | None = None, field: str | None = None) -> HTMLResponse:
    return render(request, "log.html", status=status, json_url=f"/api/v1/networks/{row.network}/contributions",
                  n=row, values=values, presets=PRESETS, actions=ACTIONS, labels=ACTION_LABELS, today=_today(),
                  error=error, field=field)


@router.get("/n/{network}/log")
async def log_page(request: Request, caller: SignedIn, network: str) -> HTMLResponse:
    node = node_of(request)
    row = network_or_404(node, network)
    agent = node.speaking_as(caller.key).agent
    if not is_member(node.projector.state, row.network, agent):
        raise Forbidden(f"only members of {row.name} log contributions to it; join it first")
    last = last_activity(node, row.network, caller.key.public)  # the key that signs, a device or the agent
    return _log_form(request, row, {"action": last.action, "skill": last.skill, "tags": ", ".join(last.tags),
                                    "happened": _today()})


def _entry(values: dict[str, str]) -> ContributionIn:
    """The form's values as the API's body: empty fields are absent, tags and links split."""
    given: dict[str, Any] = {name: value.strip() for name, value in values.items()
                             if name not in ("duration", "tags", "evidence") and value.strip()}
    duration = values["hours"].strip() or values["duration"]
    if duration:
        given["hours"] = duration
    given["tags"] = [tag.lower() for tag in values["tags"].replace(",", " ").split()]
    given["evidence"] = values["evidence"].split()
    return ContributionIn.model_validate(given)


@router.post("/n/{network}/log")
async def log(request: Request, caller: Acting, network: str, action: Annotated[str, Form()] = "work",
              duration: Annotated[str, Form()] = "", hours: Annotated[str, Form()] = "",
              note: Annotated[str, Form()] = "", skill: Annotated[str, Form()] = "",
              tags: Annotated[str, Form()] = "", happened: Annotated[str, Form()] = "",
              quantity: Annotated[str, Form()] = "", amount: Annotated[str, Form()] = "",
              currency: Annotated[str, Form()] = "", resource: Annotated[str, Form()] = "",
              process: Annotated[str, Form()] = "", evidence: Annotated[str, Form()] = "") -> Response:
    node = node_of(request)
    row = network_or_404(node, network)
    values = {"action": action, "duration": duration, "hours": hours, "note": note, "skill": skill, "tags": tags,
              "happened": happened, "quantity": quantity, "amount": amount, "currency": currency,
              "resource": resource, "process": process, "evidence": evidence}
    try:
        receipt = await log_contribution(request, caller, row.network, _entry(values))
    except ValidationError as invalid:
        first = invalid.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "action"
        return _log_form(request, row, values, 422, f"{field}: {first.get('msg', 'is not valid')}", field)
    except NodeError as error:
        return _log_form(request, row, values, 403 if isinstance(error, Refused) else 422, str(error))
    # Land on my contributions of that day, a short list that shows the new one.
    day = node.projector.state.contributions[(row.network, receipt.event)].day
    query = {"contributor": node.speaking_as(caller.key).agent, "since": day, "until": day, "logged": receipt.event}
    return see_other(f"/n/{row.network}/contributions?{urlencode(query)}#c-{receipt.event[:12]}")


def _day(value: str, field: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        raise Invalid(f"{field}: {value!r} is not a day (YYYY-MM-DD)", field) from None


@router.get("/n/{network}/contributions")
async def contributions_page(
    request: Request, caller: SignedIn, network: str, limit: Limit = PER_PAGE, offset: Offset = 0,
    status: str = "", action: str = "", contributor: str = "", since: str = "", until: str = "", logged: str = "",
) -> HTMLResponse:
    node, row, _ = insider(request, caller, network)
    filters = {"status": status, "action": action, "contributor": contributor, "since": since, "until": until}
    rows = contribution_rows(node, row.network, status=status or None, contributor=contributor or None,
                             action=action or None, since=_day(since, "since"), until=_day(until, "until"))
    page = contribution_page(node, rows, limit, offset)
    chosen = {name: value for name, value in filters.items() if value}
    new = next((item for item in page.items if item.contribution == logged), None)
    notice = None
    if new is not None:
        notice = f"Logged {new.summary}." + (" It counts once approved." if new.status == "pending" else "")

    def _at(start: int) -> str:
        return f"/n/{row.network}/contributions?{urlencode({**chosen, 'limit': limit, 'offset': start})}"

    return render(request, "contributions.html", json_url=f"/api/v1/networks/{row.network}/contributions"
                  + (f"?{urlencode(chosen)}" if chosen else ""),
                  n=row, page=page, filters=filters, statuses=STATUSES, actions=ACTIONS, labels=ACTION_LABELS,
                  members=node.members(row.network), notice=notice, highlight=logged,
                  previous_url=_at(max(offset - limit, 0)) if offset else None,
                  next_url=_at(page.next_offset) if page.next_offset is not None else None)


def _queue(request: Request, caller: Caller, network: str, limit: int = PER_PAGE, offset: int = 0,
           status: int = 200, **context: Any) -> HTMLResponse:
    node, row, agent = insider(request, caller, network)
    page = contribution_page(node, queue_rows(node, row.network, agent), limit, offset)
    return render(request, "queue.html", status=status, json_url=f"/api/v1/networks/{row.network}/queue",
                  n=row, page=page, **context)


@router.get("/n/{network}/queue")
async def queue_page(request: Request, caller: SignedIn, network: str, limit: Limit = PER_PAGE,
                     offset: Offset = 0, approved: str = "", flagged: str = "") -> HTMLResponse:
    notice = "Approved." if approved else "Red-flagged: it does not count while the flag stands." if flagged else None
    return _queue(request, caller, network, limit, offset, notice=notice)


@router.post("/n/{network}/contributions/{contribution}/validate")
async def validate(request: Request, caller: Acting, network: str, contribution: str,
                   note: Annotated[str, Form()] = "") -> Response:
    node = node_of(request)
    row = network_or_404(node, network)
    node.speaking_as(caller.key).validate_contribution(row.network, contribution, note.strip())
    return see_other(f"/n/{row.network}/queue?approved={contribution[:12]}")


@router.post("/n/{network}/contributions/{contribution}/flag")
async def flag(request: Request, caller: Acting, network: str, contribution: str,
               reason: Annotated[str, Form()] = "") -> Response:
    node = node_of(request)
    row = network_or_404(node, network)
    if not reason.strip():
        return _queue(request, caller, row.network, status=422, field="reason", flagging=contribution,
                      error="reason: say what is wrong with it, so its author can put it right")
    node.speaking_as(caller.key).flag_contribution(row.network, contribution, reason.strip())
    return see_other(f"/n/{row.network}/queue?flagged={contribution[:12]}")


@router.get("/n/{network}/m/{member}")
async def member_page(request: Request, caller: SignedIn, network: str, member: str) -> HTMLResponse:
    node, row, _ = insider(request, caller, network)
    summary = member_summary(node, row, member)
    by_action = donut([total.action for total in summary.by_action],
                      [total.contributions for total in summary.by_action])
    by_month = bars_by_month([(p.period, p.action, p.contributions) for p in summary.by_month],
                             "contributions")
    received = [(r.currency, timeline([(p.day, float(p.amount)) for p in summary.payouts if p.currency == r.currency],
                                      f"received ({r.currency})"))
                for r in summary.received]
    return render(request, "member.html", json_url=f"/api/v1/networks/{row.network}/members/{summary.member}/summary",
                  n=row, m=summary, by_action=by_action, by_month=by_month, received=received)
