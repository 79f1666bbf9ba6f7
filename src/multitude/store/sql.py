"""What the SQLite and PostgreSQL adapters share: the SQL of the store contract.

Statements are written once with `?` placeholders; a dialect supplies the connection, the
placeholder style, the column types and how a write transaction is made exclusive.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

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
    TableSpec,
)
from multitude.store.migrations import MIGRATIONS

__all__ = ["EVENT_COLUMNS", "STATUS_COLUMNS", "SqlStore"]

# The node metadata the projection keeps (see projection.projector), read together.
_PROJECTION_KEYS = ("projection_version", "projection_stale", "projection_position", "projection_tail",
                    "projection_fingerprint", "projection_tables")

EVENT_COLUMNS = "id, author, seq, prev, time, type, network, payload, sig"
STATUS_COLUMNS = "status, reason, waiting_for, order_time, depth, position"
_CHUNK = 500


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class SqlStore(Store):
    placeholder = "?"
    position_of = "instr"  # where a piece of text starts in another (0: nowhere); exact, case and all
    dialect: ClassVar[str]
    types: ClassVar[dict[str, str]]

    def __init__(self) -> None:
        self._depth = 0
        # Inside a write transaction this store holds the writers' lock, so the node metadata
        # it read or wrote cannot change under it: it is remembered until the transaction ends.
        self._meta: dict[str, str | None] | None = None

    # -- dialect ---------------------------------------------------------------------------
    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abstractmethod
    def _begin(self) -> None: ...

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def _rollback(self) -> None: ...

    @abstractmethod
    def _table_exists(self, name: str) -> bool: ...

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._execute(self._sql(sql), params)

    def _q_in(self, sql: str, values: Iterable[Any], params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run `sql`, whose `{in}` stands for `IN (values)`, over any number of values."""
        found: list[tuple[Any, ...]] = []
        for chunk in _chunks(list(set(values))):
            found.extend(self._q(sql.format(**{"in": f"IN ({', '.join('?' * len(chunk))})"}), [*chunk, *params]))
        return found

    @staticmethod
    def _row(row: Sequence[Any]) -> EventRow:
        return EventRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bytes(row[7]), row[8])

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        self._meta = {}
        try:
            yield
        except BaseException:
            self._depth = 0
            self._meta = None
            self._rollback()
            raise
        self._depth = 0
        self._meta = None
        self._commit()

    # -- migrations ------------------------------------------------------------------------
    def migrate(self) -> None:
        with self.batch():
            self._q(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        done = {row[0] for row in self._q("SELECT version FROM schema_migrations")}
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            with self.batch():
                if self._q("SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)):
                    continue  # another process applied it while we waited for the lock
                for statement in migration.statements:
                    text = statement if isinstance(statement, str) else statement.get(self.dialect)
                    if text is not None:
                        self._q(text.format(**self.types))
                        self._meta = {}  # a migration may rewrite node metadata
                self._q(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, datetime.now(UTC).isoformat()),
                )

    def migrations(self) -> list[tuple[int, str, str]]:
        rows = self._q("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        return [(row[0], row[1], row[2]) for row in rows]

    # -- the log ---------------------------------------------------------------------------
    @staticmethod
    def _with_statuses(rows: Sequence[EventRow], statuses: Mapping[str, StatusRow] | None) -> list[tuple[Any, ...]]:
        known = statuses or {}
        unknown = (None, None, None, None, None, None)
        return [(*row, *(known[row.id][1:] if row.id in known else unknown)) for row in rows]

    def insert_events(self, rows: Sequence[EventRow], statuses: Mapping[str, StatusRow] | None = None) -> None:
        self._executemany(
            self._sql(
                f"INSERT INTO events ({EVENT_COLUMNS}, {STATUS_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
            ),
            self._with_statuses(rows, statuses),
        )

    def set_statuses(self, rows: Sequence[StatusRow]) -> None:
        assignments = ", ".join(f"{column} = ?" for column in STATUS_COLUMNS.split(", "))
        self._executemany(
            self._sql(f"UPDATE events SET {assignments} WHERE id = ?"), [(*row[1:], row[0]) for row in rows]
        )

    def existing(self, ids: Iterable[str]) -> set[str]:
        return {row[0] for row in self._q_in("SELECT id FROM events WHERE id {in}", ids)}

    def events_by_id(self, ids: Iterable[str]) -> list[EventRow]:
        return [self._row(row) for row in self._q_in(f"SELECT {EVENT_COLUMNS} FROM events WHERE id {{in}}", ids)]

    @staticmethod
    def _event_conditions(query: EventFilter) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for column in ("network", "author", "type"):
            value = getattr(query, column)
            if value is not None:
                where.append(f"e.{column} = ?")
                params.append(value)
        if query.since is not None:
            where.append("e.time >= ?")
            params.append(query.since)
        if query.status is not None:
            where.append("e.status = ?")
            params.append(query.status)
        if query.visible_in is not None:
            networks = sorted(query.visible_in)
            inside = f" OR e.network IN ({', '.join('?' * len(networks))})" if networks else ""
            where.append(f"(e.network IS NULL{inside})")
            params.extend(networks)
        return (" WHERE " + " AND ".join(where) if where else ""), params

    def events(self, query: EventFilter | None = None) -> Iterator[EventRow]:
        query = query or EventFilter()
        where, params = self._event_conditions(query)
        sql = f"SELECT {', '.join('e.' + c for c in EVENT_COLUMNS.split(', '))} FROM events e{where}"
        skip = f" OFFSET {int(query.offset)}" if query.offset else ""
        if query.last is not None:
            rows = self._q(f"{sql} ORDER BY e.received DESC LIMIT {int(query.last)}{skip}", params)[::-1]
        else:
            sql += " ORDER BY e.received"
            if query.limit is not None:
                sql += f" LIMIT {int(query.limit)}"
            elif skip:
                sql += " LIMIT -1" if self.dialect == "sqlite" else " LIMIT ALL"
            rows = self._q(sql + skip, params)
        for row in rows:
            yield self._row(row)

    def count_events(self, query: EventFilter | None = None) -> int:
        where, params = self._event_conditions(query or EventFilter())
        return int(self._q(f"SELECT COUNT(*) FROM events e{where}", params)[0][0])

    def head(self, author: str) -> tuple[int, str] | None:
        rows = self._q(
            "SELECT seq, id FROM events WHERE author = ? AND seq = (SELECT MAX(seq) FROM events WHERE author = ?)",
            (author, author),
        )
        return min((row[0], row[1]) for row in rows) if rows else None

    def heads(self) -> dict[str, tuple[int, str]]:
        rows = self._q(
            "SELECT author, seq, id FROM events WHERE (author, seq) IN "
            "(SELECT author, MAX(seq) FROM events GROUP BY author)"
        )
        heads: dict[str, tuple[int, str]] = {}
        for author, seq, event_id in rows:
            if author not in heads or event_id < heads[author][1]:
                heads[author] = (seq, event_id)
        return heads

    def equivocations(self) -> list[tuple[str, int, list[str]]]:
        rows = self._q(
            "SELECT author, seq, id FROM events WHERE (author, seq) IN "
            "(SELECT author, seq FROM events GROUP BY author, seq HAVING COUNT(*) > 1)"
        )
        grouped: dict[tuple[str, int], list[str]] = {}
        for author, seq, event_id in rows:
            grouped.setdefault((author, seq), []).append(event_id)
        return [(author, seq, sorted(ids)) for (author, seq), ids in sorted(grouped.items())]

    def has_pending(self) -> bool:
        return bool(self._q("SELECT 1 FROM events WHERE waiting_for IS NOT NULL LIMIT 1"))

    # -- the projection --------------------------------------------------------------------
    table_options = ""

    def _ddl(self, spec: TableSpec) -> str:
        columns = ", ".join(f"{name} {self.types[kind]}" for name, kind in spec.columns)
        keys = ", ".join(spec.key_names)
        return f"CREATE TABLE p_{spec.name} ({columns}, PRIMARY KEY ({keys})){self.table_options}"

    def prepare_projection(self, specs: Sequence[TableSpec], fingerprint: str) -> bool:
        specs = [spec for spec in specs if spec.name != STATUS_SPEC.name]  # kept beside the events
        with self.batch():
            if self.get_meta("projection_fingerprint") == fingerprint and all(
                self._table_exists(f"p_{spec.name}") for spec in specs
            ):
                return self.get_meta("projection_position") is None
            previous = json.loads(self.get_meta("projection_tables") or "[]")
            for name in sorted(set(previous) | {spec.name for spec in specs}):
                if name != STATUS_SPEC.name:
                    self._q(f"DROP TABLE IF EXISTS p_{name}")
            for spec in specs:
                self._q(self._ddl(spec))
                for number, index in enumerate(spec.indexes, 1):
                    where = f" WHERE {index.sparse} IS NOT NULL" if index.sparse else ""
                    self._q(f"CREATE INDEX p_{spec.name}_{number} ON p_{spec.name} ({', '.join(index.columns)}){where}")
            self._forget_statuses()
            self._q("DELETE FROM meta WHERE key LIKE 'projection_%'")
            self._meta = {}
            self.set_meta("projection_tables", json.dumps(sorted(spec.name for spec in specs)))
            self.set_meta("projection_fingerprint", fingerprint)
        return True

    def rows(self, spec: TableSpec, where: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        sql = f"SELECT {', '.join(spec.column_names)} FROM p_{spec.name}"
        params: list[Any] = []
        if where:
            sql += " WHERE " + " AND ".join(f"{column} = ?" for column in where)
            params = list(where.values())
        return [tuple(row) for row in self._q(sql, params)]

    def rows_in(self, spec: TableSpec, column: str, values: Iterable[Any]) -> list[tuple[Any, ...]]:
        sql = f"SELECT {', '.join(spec.column_names)} FROM p_{spec.name} WHERE {column} {{in}}"
        return [tuple(row) for row in self._q_in(sql, values)]

    def _where(self, spec: TableSpec, where: Sequence[Condition]) -> tuple[str, list[Any]]:
        known = set(spec.column_names)
        clauses, params = [], []
        for condition in where:
            if condition.column not in known:
                raise ValueError(f"p_{spec.name} has no column {condition.column}")
            if condition.op == "in":
                values = sorted(condition.value)
                clauses.append(f"{condition.column} IN ({', '.join('?' * len(values))})" if values else "1 = 0")
                params.extend(values)
            elif condition.op == "contains_any":
                pieces = sorted(condition.value)
                found = f"{self.position_of}({condition.column}, ?) > 0"
                clauses.append("(" + " OR ".join(found for _ in pieces) + ")")
                params.extend(pieces)
            elif condition.op == "null":
                clauses.append(f"{condition.column} IS NULL")
            elif condition.op in ("=", ">=", "<="):
                clauses.append(f"{condition.column} {condition.op} ?")
                params.append(condition.value)
            else:
                raise ValueError(f"unknown condition {condition.op!r}")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _read_through(self, spec: TableSpec, index: Index) -> str:
        """The clause that makes a query read through `index` (none: leave it to the planner)."""
        return ""

    @abstractmethod
    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]: ...

    def aggregate(self, spec: TableSpec, group_by: Sequence[str], sums: Sequence[str],
                  where: Sequence[Condition], index: Index | None = None) -> Iterator[tuple[Any, ...]]:
        known = set(spec.column_names)
        for column in (*group_by, *sums):
            if column not in known:
                raise ValueError(f"p_{spec.name} has no column {column}")
        clause, params = self._where(spec, where)
        groups = ", ".join(group_by)
        totals = "".join(f"SUM({column}), " for column in sums)
        through = self._read_through(spec, index) if index is not None else ""
        sql = f"SELECT {groups + ', ' if groups else ''}{totals}COUNT(*) FROM p_{spec.name}{through}{clause}"
        if groups:
            sql += f" GROUP BY {groups}"
        width = len(group_by)
        for row in self._stream(self._sql(sql), params):
            yield (*row[:width], *(int(total or 0) for total in row[width:-1]), int(row[-1]))

    def upsert(self, spec: TableSpec, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = spec.column_names
        values = ", ".join("?" * len(names))
        rest = names[spec.key :]
        action = (
            "DO UPDATE SET " + ", ".join(f"{name} = excluded.{name}" for name in rest) if rest else "DO NOTHING"
        )
        sql = (
            f"INSERT INTO p_{spec.name} ({', '.join(names)}) VALUES ({values}) "
            f"ON CONFLICT ({', '.join(spec.key_names)}) {action}"
        )
        self._executemany(self._sql(sql), rows)

    def delete(self, spec: TableSpec, keys: Sequence[tuple[Any, ...]]) -> None:
        if not keys:
            return
        where = " AND ".join(f"{name} = ?" for name in spec.key_names)
        self._executemany(self._sql(f"DELETE FROM p_{spec.name} WHERE {where}"), keys)

    def _forget_statuses(self) -> None:
        self._q(f"UPDATE events SET {', '.join(c + ' = NULL' for c in STATUS_COLUMNS.split(', '))}")

    def clear_projection(self, specs: Sequence[TableSpec]) -> None:
        with self.batch():
            for spec in specs:
                if spec.name == STATUS_SPEC.name:
                    self._forget_statuses()
                else:
                    self._q(f"DELETE FROM p_{spec.name}")
            self._q("DELETE FROM meta WHERE key IN ('projection_position', 'projection_tail')")
            self._meta = {}

    def get_meta(self, key: str) -> str | None:
        if self._meta is not None and key in self._meta:
            return self._meta[key]
        if self._meta is not None and key.startswith("projection_"):
            # The projection reads several of its keys in each write: one query brings them all.
            found = dict(self._q("SELECT key, value FROM meta WHERE key LIKE 'projection\\_%' ESCAPE '\\'"))
            for name in _PROJECTION_KEYS:
                self._meta.setdefault(name, found.get(name))
            if key in self._meta:
                return self._meta[key]
        rows = self._q("SELECT value FROM meta WHERE key = ?", (key,))
        value = str(rows[0][0]) if rows else None
        if self._meta is not None:
            self._meta[key] = value
        return value

    def delete_meta(self, key: str) -> None:
        self._q("DELETE FROM meta WHERE key = ?", (key,))
        if self._meta is not None:
            self._meta[key] = None

    def set_metas(self, values: Mapping[str, str]) -> None:
        if not values:
            return
        rows = ", ".join(["(?, ?)"] * len(values))
        self._q(f"INSERT INTO meta (key, value) VALUES {rows} ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [item for pair in values.items() for item in pair])
        if self._meta is not None:
            self._meta.update(values)

    def set_meta(self, key: str, value: str) -> None:
        self._q(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        if self._meta is not None:
            self._meta[key] = value

    # -- hosted accounts -------------------------------------------------------------------
    _ACCOUNT = "name, agent, password_hash, sealed_key, created"
    _CREDENTIAL = "digest, account, kind, label, sealed_key, csrf, created, expires"

    def add_account(self, row: AccountRow) -> bool:
        with self.batch():
            if self._q("SELECT 1 FROM hosted_accounts WHERE name = ? OR agent = ?", (row.name, row.agent)):
                return False
            self._q(f"INSERT INTO hosted_accounts ({self._ACCOUNT}) VALUES (?, ?, ?, ?, ?)", row)
        return True

    def account(self, name: str) -> AccountRow | None:
        rows = self._q(f"SELECT {self._ACCOUNT} FROM hosted_accounts WHERE name = ?", (name,))
        return AccountRow(*rows[0]) if rows else None

    def account_of(self, agent: str) -> AccountRow | None:
        rows = self._q(f"SELECT {self._ACCOUNT} FROM hosted_accounts WHERE agent = ?", (agent,))
        return AccountRow(*rows[0]) if rows else None

    def add_credential(self, row: CredentialRow) -> None:
        with self.batch():
            self._q(f"INSERT INTO hosted_credentials ({self._CREDENTIAL}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)

    def credential(self, digest: str) -> CredentialRow | None:
        rows = self._q(f"SELECT {self._CREDENTIAL} FROM hosted_credentials WHERE digest = ?", (digest,))
        return CredentialRow(*rows[0]) if rows else None

    def credentials(self, account: str) -> list[CredentialRow]:
        rows = self._q(f"SELECT {self._CREDENTIAL} FROM hosted_credentials WHERE account = ? ORDER BY created, digest",
                       (account,))
        return [CredentialRow(*row) for row in rows]

    def drop_credentials(self, digests: Iterable[str]) -> None:
        with self.batch():
            for digest in digests:
                self._q("DELETE FROM hosted_credentials WHERE digest = ?", (digest,))

    def drop_expired_credentials(self, now: str) -> int:
        with self.batch():
            expired = self._q("SELECT digest FROM hosted_credentials WHERE expires <= ?", (now,))
            self._q("DELETE FROM hosted_credentials WHERE expires <= ?", (now,))
        return len(expired)

    def set_password(self, name: str, password_hash: str, sealed_key: str) -> None:
        with self.batch():
            self._q("UPDATE hosted_accounts SET password_hash = ?, sealed_key = ? WHERE name = ?",
                    (password_hash, sealed_key, name))
