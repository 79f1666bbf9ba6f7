"""The persistence port and its adapters: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from multitude.store.base import (
    STATUS_SPEC,
    AccountRow,
    Condition,
    CredentialRow,
    EventFilter,
    EventRow,
    Index,
    StatusRow,
    Store,
    StoreError,
    StoreUnavailable,
    TableSpec,
)

__all__ = [
    "STATUS_SPEC",
    "AccountRow",
    "Condition",
    "CredentialRow",
    "EventFilter",
    "EventRow",
    "Index",
    "StatusRow",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "TableSpec",
    "is_postgres_url",
    "open_store",
]


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def open_store(url: str | Path) -> Store:
    """Open the store a URL names: a `postgresql://` URL, or else a SQLite file path."""
    text = str(url)
    if is_postgres_url(text):
        from multitude.store.postgres import PostgresStore  # psycopg loads only when asked for

        return PostgresStore(text)
    from multitude.store.sqlite import SqliteStore

    return SqliteStore(text.removeprefix("sqlite:///").removeprefix("sqlite://"))
