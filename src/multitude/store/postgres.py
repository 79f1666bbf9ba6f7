"""The PostgreSQL store (psycopg 3): the production store for a node serving many members.

Writers serialise on a transaction-scoped advisory lock, so the log and projection behave as
on SQLite's single writer. Driver errors are translated into the store's own errors.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import psycopg

from multitude.store.base import EventRow, StatusRow, StoreError, StoreUnavailable, TableSpec
from multitude.store.sql import EVENT_COLUMNS, STATUS_COLUMNS, SqlStore

__all__ = ["PostgresStore"]

_WRITER_LOCK = 0x6D756C7469  # "multi"


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "the PostgreSQL URL"
    host, db = info.get("host", "localhost"), info.get("dbname", "")
    return f"postgresql://{info.get('user', '')}@{host}:{info.get('port', 5432)}/{db}"


_PART_ROWS = 5000
_PART_BYTES = 64 * 1024 * 1024


def _parts(rows: Sequence[tuple[Any, ...]]) -> Iterator[Sequence[tuple[Any, ...]]]:
    """Consecutive slices of at most _PART_ROWS rows and about _PART_BYTES of text and bytes."""
    start, size = 0, 0
    for index, row in enumerate(rows):
        size += sum(len(value) for value in row if isinstance(value, str | bytes))
        if index + 1 - start >= _PART_ROWS or size >= _PART_BYTES:
            yield rows[start : index + 1]
            start, size = index + 1, 0
    if start < len(rows):
        yield rows[start:]


class PostgresStore(SqlStore):
    position_of = "strpos"
    placeholder = "%s"
    dialect = "postgres"
    types: ClassVar[dict[str, str]] = {
        "text": "TEXT",
        "int": "BIGINT",
        "bytes": "BYTEA",
        "serial": "BIGSERIAL PRIMARY KEY",
    }

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = _redact(url)
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as error:
            raise StoreUnavailable(f"cannot connect to {self.url}: {error}") from error
        self._transaction: Any = None
        try:
            self.migrate()
        except BaseException:
            self.close()  # a store that cannot be brought up to date is not handed out half-open
            raise

    def analyze(self) -> None:
        tables = [row[0] for row in self._execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND left(tablename, 2) = 'p_'")]
        tables.append("events")  # finding pending events and a network's latest ones plan on it too
        for table in tables:
            self._execute(f"ANALYZE {table}")

    def close(self) -> None:
        self._db.close()

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            cursor = self._db.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else []
        except psycopg.Error as error:
            raise StoreError(f"PostgreSQL ({self.url}): {error}") from error

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        try:
            with self._db.cursor() as cursor:
                cursor.execute(sql, params or None)
                yield from cursor
        except psycopg.Error as error:
            raise StoreError(f"PostgreSQL ({self.url}): {error}") from error

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            with self._db.cursor() as cursor:
                cursor.executemany(sql, rows)
        except psycopg.Error as error:
            raise StoreError(f"PostgreSQL ({self.url}): {error}") from error

    # A batch travels as a few statements per table, its columns as arrays, not one per row;
    # each statement stays far below the server's 1 GB limit on a message.
    def _unnest(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        for chunk in _parts(rows):
            self._execute(sql, [list(column) for column in zip(*chunk, strict=True)])

    def _q_in(self, sql: str, values: Iterable[Any], params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._execute(sql.format(**{"in": "= ANY(%s)"}).replace("?", "%s"), [list(set(values)), *params])

    def insert_events(self, rows: Sequence[EventRow], statuses: Mapping[str, StatusRow] | None = None) -> None:
        if not rows:
            return
        kinds = ("text", "text", "int", "text", "text", "text", "text", "bytes", "text", *["text"] * 4, "int", "int")
        arrays = ", ".join(f"%s::{self.types[kind]}[]" for kind in kinds)
        sql = (
            f"INSERT INTO events ({EVENT_COLUMNS}, {STATUS_COLUMNS}) SELECT * FROM unnest({arrays}) "
            "ON CONFLICT (id) DO NOTHING"
        )
        self._unnest(sql, self._with_statuses(rows, statuses))

    def upsert(self, spec: TableSpec, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = spec.column_names
        arrays = ", ".join(f"%s::{self.types[kind]}[]" for _, kind in spec.columns)
        rest = names[spec.key :]
        action = "DO UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in rest) if rest else "DO NOTHING"
        sql = (
            f"INSERT INTO p_{spec.name} ({', '.join(names)}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT ({', '.join(spec.key_names)}) {action}"
        )
        self._unnest(sql, rows)

    def _begin(self) -> None:
        try:
            self._transaction = self._db.transaction()
            self._transaction.__enter__()
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITER_LOCK,))
        except psycopg.Error as error:
            raise StoreError(f"PostgreSQL ({self.url}): {error}") from error

    def _commit(self) -> None:
        transaction, self._transaction = self._transaction, None
        try:
            transaction.__exit__(None, None, None)
        except psycopg.Error as error:
            raise StoreError(f"PostgreSQL ({self.url}): {error}") from error

    def _rollback(self) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            with contextlib.suppress(psycopg.Error):  # the error that caused the rollback is what matters
                transaction.__exit__(StoreError, StoreError("rolled back"), None)

    def _table_exists(self, name: str) -> bool:
        rows = self._execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
        return bool(rows[0][0])
