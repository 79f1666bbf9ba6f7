"""The state digest: one hash of every projected table, the same on every store and node."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from multitude.projection.tables import SPECS
from multitude.store import Store, TableSpec

__all__ = ["digest_of", "state_digest", "table_rows"]


def table_rows(rows: Iterable[Sequence[Any]], spec: TableSpec) -> list[tuple[Any, ...]]:
    """Rows in the digest's order: by key, compared as Python compares (never by collation)."""
    return sorted((tuple(row) for row in rows), key=lambda row: row[: spec.key])


def digest_of(tables: Mapping[str, list[tuple[Any, ...]]]) -> str:
    hasher = hashlib.sha256(b"multitude/state/v1\x00")
    for spec in SPECS:
        hasher.update(spec.name.encode() + b"\x00")
        for row in tables.get(spec.name, []):
            hasher.update(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
    return hasher.hexdigest()


def state_digest(store: Store) -> str:
    """Digest of the projection as stored."""
    return digest_of({spec.name: table_rows(store.rows(spec), spec) for spec in SPECS})
