"""The error answers every route may give, described once for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from multitude.node import Receipt

__all__ = ["ErrorOut", "ReceiptOut", "errors", "receipt_out"]


class ErrorDetail(BaseModel):
    status: int
    message: str
    field: str | None = None
    fields: list[dict[str, str]] | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


_MEANING = {
    401: "Not logged in: no valid session cookie or API token",
    403: "Not allowed: the message gives the rule's reason; nothing was stored",
    404: "No such network, contribution, event or account here",
    409: "Clashes with what exists",
    422: "Malformed: `field` names what is wrong; nothing was stored",
    429: "Too many failed attempts; see Retry-After",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorOut, "description": _MEANING[status]} for status in statuses}


class ReceiptOut(BaseModel):
    """The event an action signed, and where it stands in the projection."""

    event: str
    type: str
    status: str
    reason: str


def receipt_out(receipt: Receipt) -> ReceiptOut:
    return ReceiptOut(event=receipt.event, type=receipt.type, status=receipt.status, reason=receipt.reason)
