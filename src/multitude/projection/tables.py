"""The projection's tables: the domain's state tables as store TableSpecs, and the mapping
the fold writes into, which remembers which keys changed so only those rows are written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, MutableMapping, Sequence
from typing import Any

from multitude.domain import TABLES, State, Table
from multitude.projection.stored import StoredTable, Tallies
from multitude.store import STATUS_SPEC, Index, Store, TableSpec

__all__ = ["FINGERPRINT", "LARGE", "SPECS", "STATE_SPECS", "TrackedTable", "grouped_by", "tracked_state"]

# Tables that grow with the log, kept in the store rather than in memory.
LARGE: dict[str, type[StoredTable]] = {"contributions": Tallies, "verdicts": StoredTable, "payouts": StoredTable}


# Besides each table's key: contributions in the order a distribution's tally reads them (so it
# adds up without sorting), and what rollup looks up (a process's inputs, a resource's producers).
INDEXES: dict[str, tuple[Index, ...]] = {
    "contributions": (
        Index(("network", "holder", "action", "day", "status", "value_high", "value_low", "value_pico",
               "hours_micro")),
        Index(("process", "network", "status"), sparse="process"),
        Index(("resource", "network", "status"), sparse="resource"),
    ),
}


# The key columns each in-memory table is grouped by (see TrackedTable): the first, for every
# table keyed by more than one column; memberships also by member, to go from a member to its
# networks.
GROUPED: dict[str, tuple[int, ...]] = {"memberships": (0, 1)}


def grouped_by(table: Table) -> tuple[int, ...]:
    """The key columns `table` is grouped by in memory."""
    return GROUPED.get(table.name, (0,) if table.key > 1 else ())


def _spec(table: Table) -> TableSpec:
    ints = table.int_columns()
    columns = tuple((name, "int" if name in ints else "text") for name in table.columns)
    return TableSpec(table.name, columns, table.key, INDEXES.get(table.name, ()))


STATE_SPECS: tuple[TableSpec, ...] = tuple(_spec(table) for table in TABLES)
SPECS: tuple[TableSpec, ...] = (*STATE_SPECS, STATUS_SPEC)
# The shape of every projection table; when it changes, stores drop and refold their projection.
_SHAPE = ["statuses beside events; every role listed",
          *([s.name, s.columns, s.key, [[i.columns, i.sparse] for i in s.indexes]] for s in SPECS)]
FINGERPRINT = hashlib.sha256(json.dumps(_SHAPE).encode()).hexdigest()[:16]


class TrackedTable(dict[Any, Any]):
    """A dict that records the keys written or deleted since it was last flushed; and, for each
    key column in `grouped`, which keys share a value there, so that `under` finds a proposal's
    votes, a network's members or a member's networks without reading every row."""

    __slots__ = ("dirty", "groups")

    def __init__(self, rows: Iterable[tuple[Any, Any]] = (), grouped: Sequence[int] = ()) -> None:
        super().__init__(rows)
        self.dirty: set[Any] = set()
        self.groups: dict[int, dict[Any, dict[Any, None]]] = {column: {} for column in grouped}
        for key in self:
            self._group(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.dirty.add(key)
        self._group(key)

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self.dirty.add(key)
        self._ungroup(key)

    def pop(self, key: Any, *default: Any) -> Any:
        self.dirty.add(key)
        self._ungroup(key)
        return super().pop(key, *default)

    def _group(self, key: Any) -> None:
        for column, groups in self.groups.items():
            groups.setdefault(key[column], {})[key] = None

    def _ungroup(self, key: Any) -> None:
        for column, groups in self.groups.items():
            group = groups.get(key[column])
            if group is not None:
                group.pop(key, None)
                if not group:
                    del groups[key[column]]

    def under(self, value: Any, column: int = 0) -> Iterable[Any]:
        """The keys whose `column` is `value`, in the order they were first written."""
        groups = self.groups.get(column)
        if groups is None:
            return [key for key in self if key[column] == value]
        return tuple(groups.get(value, ()))

    def changes(self) -> tuple[list[Any], list[Any]]:
        """(rows to write, keys to delete) since the last call; clears the record."""
        upserts = [self[key] for key in self.dirty if key in self]
        deletes = [key for key in self.dirty if key not in self]
        self.dirty.clear()
        return upserts, deletes


def tracked_state(store: Store, rows: dict[str, Iterable[tuple[Any, ...]]] | None = None) -> State:
    """A State whose tables are TrackedTables, filled from stored rows when given, except the
    large tables, which read and write `store` as the fold goes (see stored.py)."""
    tables: dict[str, MutableMapping[Any, Any]] = {}
    for table, spec in zip(TABLES, STATE_SPECS, strict=True):
        if table.name in LARGE:
            tables[table.name] = LARGE[table.name](store, spec, table.row)
            continue
        stored = (rows or {}).get(table.name, ())
        tables[table.name] = TrackedTable(((tuple(row[: table.key]), table.row(*row)) for row in stored),
                                          grouped=grouped_by(table))
    return State(**tables)
