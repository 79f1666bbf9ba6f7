"""Projection tables too large to keep in memory (a network's million contributions): rows
are read from the store when the fold asks for one, and written back inside the fold's own
transaction, when the projection flushes or when many wait, so memory stays bounded.

A contributions table also answers tallies in SQL, so a distribution adds up its
contributions in the database rather than reading them one by one.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from decimal import Decimal
from typing import Any

from multitude.domain.accounting.quantities import EXACT, GIGA, PICO
from multitude.domain.accounting.tally import Group, TallyQuery
from multitude.store import Condition, Index, Store, TableSpec

__all__ = ["StoredTable", "Tallies"]

_GONE = object()  # deleted since the last write
_ABSENT = object()  # known not to be stored
_SUMMED = {"value": ("value_high", "value_low", "value_pico"), "hours": ("hours_micro",)}


class StoredTable(MutableMapping[Any, Any]):
    """A mapping of keys to rows over one projection table of the store."""

    def __init__(self, store: Store, spec: TableSpec, row: type[Any], limit: int = 20_000) -> None:
        self.store = store
        self.spec = spec
        self.row = row
        self.limit = limit
        self.cache: dict[Any, Any] = {}
        self.dirty: set[Any] = set()
        self.written = 0  # rows written since the owner last looked (see Projector)

    def __getitem__(self, key: Any) -> Any:
        found = self.cache.get(key)
        if found is None:
            rows = self.store.rows(self.spec, dict(zip(self.spec.key_names, key, strict=True)))
            found = self.row(*rows[0]) if rows else _ABSENT
            if len(self.cache) >= self.limit and not self.dirty:
                self.cache.clear()
            self.cache[key] = found
        if found is _GONE or found is _ABSENT:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __setitem__(self, key: Any, value: Any) -> None:
        self.cache[key] = value
        self.dirty.add(key)
        if len(self.dirty) >= self.limit:
            self.write()

    def __delitem__(self, key: Any) -> None:
        self[key]  # raises KeyError when absent, as a dict would
        self.cache[key] = _GONE
        self.dirty.add(key)

    def write(self) -> None:
        """Store what changed (inside the caller's transaction) and forget the cached rows."""
        if self.dirty:
            with self.store.batch():
                upserts = [tuple(self.cache[key]) for key in self.dirty if self.cache[key] is not _GONE]
                deletes = [key for key in self.dirty if self.cache[key] is _GONE]
                self.store.delete(self.spec, deletes)
                self.store.upsert(self.spec, upserts)
            self.written += len(self.dirty)
            self.dirty.clear()
        self.cache.clear()

    def forget(self) -> None:
        """Drop what is cached and unwritten (the transaction it belonged to rolled back)."""
        self.cache.clear()
        self.dirty.clear()

    def select(self, **equal: Any) -> list[Any]:
        """The rows whose columns equal the values given, read from the store."""
        self.write()
        return [self.row(*row) for row in self.store.rows(self.spec, equal or None)]

    def __iter__(self) -> Iterator[Any]:
        for row in self.select():
            yield tuple(row[: self.spec.key])

    def values(self) -> Any:
        return self.select()

    def items(self) -> Any:
        return [(tuple(row[: self.spec.key]), row) for row in self.select()]

    def __len__(self) -> int:
        self.write()
        return int(next(iter(self.store.aggregate(self.spec, (), (), [])))[-1])


class Tallies(StoredTable):
    """The contributions table, which also answers tallies in SQL."""

    def _index(self, query: TallyQuery) -> Index | None:
        """The index that answers `query` (see projection.tables.INDEXES): the few inputs of a
        process or users of a resource through their own, a network's tally through the one
        in its grouping order."""
        wanted = "process" if query.process is not None else "resource" if query.resource is not None else "network"
        return next((index for index in self.spec.indexes if index.columns[0] == wanted), None)

    def tally(self, query: TallyQuery) -> Iterator[Group]:
        self.write()
        where = query.filter
        if any(values is not None and not values for values in (where.actions, where.specs, where.skills,
                                                                query.process, query.resource, query.plan)):
            return  # asked for none of something: nothing matches
        conditions = [Condition("network", "=", query.network), Condition("status", "=", "validated")]
        for column, values in (("action", where.actions), ("spec", where.specs), ("skill", where.skills),
                               ("process", query.process), ("resource", query.resource), ("plan", query.plan)):
            if values is not None:
                conditions.append(Condition(column, "in", values))
        if query.without_process:
            conditions.append(Condition("process", "null", None))
        conditions.extend(Condition("tags", "contains_any", [f",{tag}," for tag in wanted]) for wanted in where.tags)
        if where.since is not None:
            conditions.append(Condition("day", ">=", where.since))
        if where.until is not None:
            conditions.append(Condition("day", "<=", where.until))
        lead = ("holder", "contributor", "action") if query.by_contributor else ("holder", "action")
        group_by = (*lead, *query.columns)
        sums = [column for summed in query.sums for column in _SUMMED[summed]]
        width = len(group_by)
        for row in self.store.aggregate(self.spec, group_by, sums, conditions, self._index(query)):
            totals, position = [], width
            for summed in query.sums:
                if summed == "value":
                    whole = row[position] * GIGA + row[position + 1]
                    totals.append(EXACT.add(Decimal(whole), EXACT.divide(Decimal(row[position + 2]), PICO)))
                    position += 3
                else:
                    totals.append(EXACT.scaleb(Decimal(row[position]), -6))
                    position += 1
            holder, contributor, action = row[:3] if query.by_contributor else (row[0], "", row[1])
            yield Group(holder, contributor, action, tuple(row[len(lead):width]), int(row[-1]), tuple(totals))
