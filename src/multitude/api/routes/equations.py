"""A network's value equation: the one in force and its versions, checking a document, adopting
it (custodians), and previewing the split of an amount by it before adoption (members)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from multitude.api.access import network_or_404, require_insider
from multitude.api.context import Acting, SignedIn, node_of
from multitude.api.routes.responses import ReceiptOut, errors, receipt_out
from multitude.api.views.money import (
    AmountText,
    EquationsOut,
    SplitOut,
    adopt_document,
    check_document,
    equations_of,
    preview_amount,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/networks", tags=["equations"])


class DocumentIn(BaseModel):
    document: str = Field(min_length=1, max_length=32_000, description="the equation as TOML")


class CheckOut(BaseModel):
    ok: bool


class PreviewIn(BaseModel):
    amount: AmountText
    currency: str | None = Field(None, pattern=r"^[A-Z][A-Z0-9]{2,11}$",
                                 description="one of the network's currencies (its first one when left out)")
    document: str | None = Field(None, min_length=1, max_length=32_000,
                                 description="an equation to try instead of the one in force")


@router.get("/{network}/equation", response_model=EquationsOut, responses=errors(401, 404))
async def get_equation(request: Request, caller: SignedIn, network: str) -> EquationsOut:
    """The equation in force (or null) and every version the network adopted, in version order."""
    node = node_of(request)
    return equations_of(node, network_or_404(node, network))


@router.post("/{network}/equation/check", response_model=CheckOut, responses=errors(401, 403, 404, 422))
async def check_equation(request: Request, caller: SignedIn, network: str, body: DocumentIn) -> CheckOut:
    """Whether the document could be adopted here now (members only: it is tried on the
    network's contributions); if not, a 422 whose `field` says where (`document:LINE:COLUMN`,
    `document:LINE` or `document`). Nothing is recorded."""
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "contributions")
    check_document(node, row, body.document)
    return CheckOut(ok=True)


@router.post("/{network}/equation", response_model=ReceiptOut, responses=errors(401, 403, 404, 422))
async def adopt_equation(request: Request, caller: Acting, network: str, body: DocumentIn) -> ReceiptOut:
    """Adopt the document as the network's value equation (custodians); it is checked first."""
    node = node_of(request)
    row = network_or_404(node, network)
    return receipt_out(adopt_document(node.speaking_as(caller.key), row, body.document))


@router.post("/{network}/equation/preview", response_model=SplitOut, responses=errors(401, 403, 404, 422))
async def preview_equation(request: Request, caller: SignedIn, network: str, body: PreviewIn) -> SplitOut:
    """The split of an amount on the network's current data (members only), by the equation in
    force or by `document` (checked as adoption would check it). Nothing is recorded."""
    node = node_of(request)
    row = network_or_404(node, network)
    require_insider(node, row, node.speaking_as(caller.key).agent, "previews")
    return preview_amount(node, row, body.amount, body.currency, body.document)
