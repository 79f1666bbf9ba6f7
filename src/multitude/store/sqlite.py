"""The SQLite store: one file, WAL, one writer at a time (BEGIN IMMEDIATE)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from multitude.store.base import Index, StoreError, StoreUnavailable, TableSpec
from multitude.store.sql import SqlStore

__all__ = ["SqliteStore"]


class SqliteStore(SqlStore):
    types: ClassVar[dict[str, str]] = {
        "text": "TEXT",
        "int": "INTEGER",
        "bytes": "BLOB",
        "serial": "INTEGER PRIMARY KEY AUTOINCREMENT",
    }

    dialect = "sqlite"
    table_options = " WITHOUT ROWID"  # projection tables are keyed lookups: one B-tree each

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.url = str(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA busy_timeout = 30000")
            # A larger page cache and rarer checkpoints: ingest touches index pages all over.
            self._db.execute("PRAGMA cache_size = -65536")
            self._db.execute("PRAGMA wal_autocheckpoint = 10000")
        except (sqlite3.Error, OSError) as error:
            raise StoreUnavailable(f"cannot open SQLite database {self.path}: {error}") from error
        try:
            self.migrate()
            self.analyze()  # sampled, so a few milliseconds even for millions of rows
        except BaseException:
            self.close()  # a store that cannot be brought up to date is not handed out half-open
            raise

    def _read_through(self, spec: TableSpec, index: Index) -> str:
        # SQLite's sampled statistics can misjudge a skewed column (most contributions name no
        # process); the caller knows which index answers its question.
        return f" INDEXED BY p_{spec.name}_{spec.indexes.index(index) + 1}"

    def analyze(self) -> None:
        # Without statistics SQLite may read a network's million contributions through the
        # wrong index (e.g. for the few inputs of one process); a sampled ANALYZE is enough.
        self._execute("PRAGMA analysis_limit = 400")
        self._execute("ANALYZE")

    def close(self) -> None:
        self._db.close()

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"SQLite ({self.path}): {error}") from error

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        try:
            yield from self._db.execute(sql, params)
        except sqlite3.Error as error:
            raise StoreError(f"SQLite ({self.path}): {error}") from error

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self._db.executemany(sql, rows)
        except sqlite3.Error as error:
            raise StoreError(f"SQLite ({self.path}): {error}") from error

    def _begin(self) -> None:
        self._execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self._execute("COMMIT")

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def _table_exists(self, name: str) -> bool:
        return bool(self._execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))
