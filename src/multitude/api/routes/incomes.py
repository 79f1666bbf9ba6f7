"""Money a network received and how it was shared: incomes (recorded by custodians), previews
of their split, distributions, and each distribution line by line with its reason. Members of
the network (and of networks it belongs to) read them; nobody else."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from multitude.api.access import network_or_404, require_insider
from multitude.api.context import Acting, SignedIn, node_of
from multitude.api.paging import Limit, Offset, Page, page_of
from multitude.api.problems import Invalid, NotFound
from multitude.api.routes.responses import ReceiptOut, errors, receipt_out
from multitude.api.views.money import (
    AmountText,
    DistributionOut,
    DistributionSummary,
    IncomeOut,
    SplitOut,
    distribution_out,
    distribution_summaries,
    income_of,
    incomes_of,
    money_in,
    split_out,
)
from multitude.errors import NodeError

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["incomes"])

IncomeRef = Annotated[str, Path(pattern=r"^[0-9a-f]{6,64}$", description="an income's id or id prefix")]
DistributionRef = Annotated[str, Path(pattern=r"^[0-9a-f]{6,64}$", description="a distribution's id or id prefix")]


class IncomeIn(BaseModel):
    amount: AmountText
    currency: str = Field(pattern=r"^[A-Z][A-Z0-9]{2,11}$", description="one of the network's currencies")
    source: str = Field(min_length=1, max_length=120, description="who paid, or for what")
    note: str = Field("", max_length=2000)


class IncomeCreated(BaseModel):
    income: str


class DistributedOut(ReceiptOut):
    distribution: str


@router.get("/networks/{network}/incomes", response_model=Page[IncomeOut], responses=errors(401, 403, 404, 422))
async def list_incomes(request: Request, caller: SignedIn, network: str, limit: Limit = 50,
                       offset: Offset = 0) -> Page[IncomeOut]:
    """The network's incomes in the order they were recorded (members only)."""
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "incomes")
    return page_of(incomes_of(node, row.network), limit, offset)


@router.post("/networks/{network}/incomes", status_code=201, response_model=IncomeCreated,
             responses=errors(401, 403, 404, 422))
async def record_income(request: Request, caller: Acting, network: str, income: IncomeIn) -> IncomeCreated:
    """Record money the network received (custodians)."""
    node = node_of(request)
    row = network_or_404(node, network)
    amount, currency = money_in(row, income.amount, income.currency)
    recorded = node.speaking_as(caller.key).record_income(row.network, amount, currency, income.source.strip(),
                                                          note=income.note.strip())
    return IncomeCreated(income=recorded)


@router.post("/networks/{network}/incomes/{income}/preview", response_model=SplitOut,
             responses=errors(401, 403, 404, 422))
async def preview_income(request: Request, caller: SignedIn, network: str, income: IncomeRef) -> SplitOut:
    """How the income would be split now by the equation in force (members only); nothing is recorded."""
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "previews")
    found = income_of(node, row.network, income)
    return split_out(node, node.preview_split(row.network, found.amount, found.currency, income=found.income))


@router.post("/networks/{network}/incomes/{income}/distribute", response_model=DistributedOut,
             responses=errors(401, 403, 404, 422))
async def distribute(request: Request, caller: Acting, network: str, income: IncomeRef) -> DistributedOut:
    """Split the income by the equation in force and record the distribution (custodians)."""
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "incomes")  # before saying which exist
    found = income_of(node, row.network, income)
    receipt = receipt_out(node.speaking_as(caller.key).distribute(row.network, found.income))
    return DistributedOut(**receipt.model_dump(), distribution=receipt.event)


@router.get("/networks/{network}/distributions", response_model=Page[DistributionSummary],
            responses=errors(401, 403, 404, 422))
async def list_distributions(request: Request, caller: SignedIn, network: str, limit: Limit = 50,
                             offset: Offset = 0) -> Page[DistributionSummary]:
    """The network's distributions in the order they were recorded (members only)."""
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "distributions")
    return page_of(distribution_summaries(node, row.network), limit, offset)


@router.get("/distributions/{distribution}", response_model=DistributionOut, responses=errors(401, 403, 404, 422))
async def get_distribution(request: Request, caller: SignedIn, distribution: DistributionRef,
                           agent: Annotated[str | None, Query(max_length=120,
                                                              description="only this member's lines")] = None,
                           ) -> DistributionOut:
    """A distribution (members of its network only): the income, the equation, what each
    recipient got in all, and every line with its reason, by line number."""
    node = node_of(request)
    try:
        row = node.distribution(distribution)
    except NodeError as error:
        raise NotFound(str(error)) from None
    require_insider(node, network_or_404(node, row.network), node.speaking_as(caller.key).agent, "distributions")
    try:
        member = node.resolve_agent(agent) if agent else None
    except NodeError as error:
        raise Invalid(str(error), "agent") from None
    return distribution_out(node, row, member)
