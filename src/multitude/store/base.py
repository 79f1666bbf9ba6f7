"""The persistence port: what every store adapter provides, and the rows it trades in.

The log (`events`) is append-only: there is no call here that edits or deletes an event, and
the databases refuse to (triggers, see migrations). Beside each event the store keeps where it
stands in the projection (STATUS_SPEC): derived columns, rebuilt with the projection.
Projection tables are declared by the projection layer as TableSpecs and can be dropped and
rebuilt at any time. All writes of one batch happen in one transaction (`Store.batch`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = [
    "STATUS_SPEC",
    "AccountRow",
    "CredentialRow",
    "EventFilter",
    "EventRow",
    "StatusRow",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "TableSpec",
]


class StoreError(Exception):
    """A store could not do what was asked; the message says what and where."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or opened."""


class EventRow(NamedTuple):
    """An event as the log keeps it: the signed payload bytes plus columns to find it by."""

    id: str
    author: str
    seq: int
    prev: str | None
    time: str
    type: str
    network: str | None
    payload: bytes
    sig: str


class AccountRow(NamedTuple):
    """A person this node signs for: their login name, agent key, Argon2id password hash and
    their secret key sealed under the password (JSON, see ledger.keys.seal_secret)."""

    name: str
    agent: str
    password_hash: str
    sealed_key: str
    created: str


class CredentialRow(NamedTuple):
    """A session or an API token, kept by the SHA-256 `digest` of its secret (never the secret
    itself), with the account's key sealed under that secret and the session's CSRF token."""

    digest: str
    account: str
    kind: str  # session | token
    label: str
    sealed_key: str
    csrf: str
    created: str
    expires: str


@dataclass(frozen=True)
class Index:
    """An index of a projection table: its columns, and for a partial index, which rows
    (`sparse`: only those where this column is not null)."""

    columns: tuple[str, ...]
    sparse: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """A projection table: its columns (name, 'text' or 'int'), how many lead the key, and the
    column lists to index besides the key."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: int
    indexes: tuple[Index, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @property
    def key_names(self) -> tuple[str, ...]:
        return self.column_names[: self.key]


# Where each event stands in the projection: applied, rejected (with reason) or pending
# (waiting for an event it cannot be applied without); its order key and position. Stores keep
# these columns beside each event (written with it, so ingest touches one table) and show them
# as the read-only table `p_event_status`; `set_statuses` writes them.
StatusRow = tuple[str, str, str, str | None, str | None, int | None, int | None]
STATUS_SPEC = TableSpec(
    "event_status",
    (
        ("event", "text"),
        ("status", "text"),
        ("reason", "text"),
        ("waiting_for", "text"),
        ("order_time", "text"),
        ("depth", "int"),
        ("position", "int"),
    ),
    1,
)


@dataclass(frozen=True)
class Condition:
    """One condition of an aggregate query on a projection table: `column op value`, where op
    is "=", "in" (value: a collection), ">=", "<=", "null" (no value; `value` unused) or
    "contains_any" (value: pieces of text, the column containing any of them, exactly)."""

    column: str
    op: str
    value: Any


@dataclass(frozen=True)
class EventFilter:
    network: str | None = None
    author: str | None = None
    type: str | None = None
    since: str | None = None  # event time, inclusive
    status: str | None = None
    # Only events with no network or in one of these (what a reader may see); None: all.
    visible_in: frozenset[str] | None = None
    limit: int | None = None  # the first this many, in the order received
    last: int | None = None  # the last this many, in the order received
    offset: int = 0  # skipped before `limit` (from the first) or `last` (from the last)


class Store(ABC):
    """One database holding the log and the projection."""

    url: str

    # -- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def batch(self) -> AbstractContextManager[None]:
        """One write transaction, exclusive among writers; everything in it lands or nothing."""

    # -- the log ---------------------------------------------------------------------------
    @abstractmethod
    def insert_events(self, rows: Sequence[EventRow], statuses: Mapping[str, StatusRow] | None = None) -> None:
        """Append events that are not yet stored (ids already present are left alone),
        with their projection status when it is already known."""

    @abstractmethod
    def existing(self, ids: Iterable[str]) -> set[str]:
        """Which of these event ids the log holds."""

    @abstractmethod
    def events_by_id(self, ids: Iterable[str]) -> list[EventRow]: ...

    @abstractmethod
    def events(self, query: EventFilter | None = None) -> Iterator[EventRow]:
        """Events in the order they were received, filtered."""

    @abstractmethod
    def count_events(self, query: EventFilter | None = None) -> int:
        """How many events meet the filter's conditions (its limit, last and offset aside)."""

    @abstractmethod
    def head(self, author: str) -> tuple[int, str] | None:
        """The author's highest seq held and its id (lowest id on a tie), if any."""

    @abstractmethod
    def heads(self) -> dict[str, tuple[int, str]]:
        """For each author, the highest seq held and that event's id (lowest id on a tie)."""

    @abstractmethod
    def equivocations(self) -> list[tuple[str, int, list[str]]]:
        """(author, seq, ids) wherever one author signed two events with the same seq."""

    @abstractmethod
    def has_pending(self) -> bool:
        """Whether any event waits for one not yet held."""

    # -- the projection --------------------------------------------------------------------
    @abstractmethod
    def set_statuses(self, rows: Sequence[StatusRow]) -> None:
        """Record where stored events stand (rows shaped as STATUS_SPEC)."""

    @abstractmethod
    def prepare_projection(self, specs: Sequence[TableSpec], fingerprint: str) -> bool:
        """Create the projection tables; recreate them empty (and forget every event's
        status) if their shape changed.

        Returns True when the projection is empty and must be folded from the log.
        """

    @abstractmethod
    def rows(self, spec: TableSpec, where: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a projection table, in no particular order."""

    @abstractmethod
    def rows_in(self, spec: TableSpec, column: str, values: Iterable[Any]) -> list[tuple[Any, ...]]:
        """Rows of a projection table whose `column` is one of `values`."""

    @abstractmethod
    def analyze(self) -> None:
        """Refresh the statistics the database plans its queries with (after large writes)."""

    @abstractmethod
    def aggregate(self, spec: TableSpec, group_by: Sequence[str], sums: Sequence[str],
                  where: Sequence[Condition], index: Index | None = None) -> Iterator[tuple[Any, ...]]:
        """Rows of (*group_by values, *exact integer sums of `sums`, count) of the rows that meet
        every condition, one per distinct group, as the database produces them (in no set
        order; read them before writing again); read through `index` (one of the spec's) when
        given, where the database lets the caller choose. A sum past the database's integers
        is an error, never a rounded number."""

    @abstractmethod
    def upsert(self, spec: TableSpec, rows: Sequence[tuple[Any, ...]]) -> None: ...

    @abstractmethod
    def delete(self, spec: TableSpec, keys: Sequence[tuple[Any, ...]]) -> None: ...

    @abstractmethod
    def clear_projection(self, specs: Sequence[TableSpec]) -> None:
        """Empty these projection tables (forgetting every event's status if STATUS_SPEC is one)."""

    @abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    @abstractmethod
    def set_metas(self, values: Mapping[str, str]) -> None:
        """Set several keys at once (one statement)."""

    @abstractmethod
    def delete_meta(self, key: str) -> None: ...

    @abstractmethod
    def migrations(self) -> list[tuple[int, str, str]]:
        """(version, name, applied_at) of every schema migration applied."""

    # -- hosted accounts (node-local: never in the log, never in the projection) -----------
    @abstractmethod
    def add_account(self, row: AccountRow) -> bool:
        """Store a new account; False (and nothing stored) when its name or agent is taken."""

    @abstractmethod
    def account(self, name: str) -> AccountRow | None: ...

    @abstractmethod
    def account_of(self, agent: str) -> AccountRow | None: ...

    @abstractmethod
    def add_credential(self, row: CredentialRow) -> None: ...

    @abstractmethod
    def credential(self, digest: str) -> CredentialRow | None: ...

    @abstractmethod
    def credentials(self, account: str) -> list[CredentialRow]: ...

    @abstractmethod
    def drop_credentials(self, digests: Iterable[str]) -> None: ...

    @abstractmethod
    def drop_expired_credentials(self, now: str) -> int:
        """Forget the sessions and tokens that expired before `now`; how many there were."""

    @abstractmethod
    def set_password(self, name: str, password_hash: str, sealed_key: str) -> None:
        """Replace an account's password hash and the key sealed under it."""
