"""Lists come in pages: `limit` (1-200, 50 by default) and `offset` (from 0), in a stable order
each list states, with the total so a client knows when to stop."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

__all__ = ["Limit", "Offset", "Page", "page_of"]

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200, description="how many items to return (1-200)")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="how many items to skip")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None


def page_of(items: Sequence[T], limit: int, offset: int) -> Page[T]:
    chosen = list(items[offset : offset + limit])
    following = offset + limit if offset + limit < len(items) else None
    return Page[T](items=chosen, total=len(items), limit=limit, offset=offset, next_offset=following)
