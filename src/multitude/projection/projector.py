"""The projector: appends checked events to the log and folds them into the state tables.

The log and the projection change in one store transaction, with the projection's position
recorded in it, so a crash leaves both as they were. Events that arrive in order (the usual
case: local commands, or a bundle from a node that is ahead) are folded onto the current state;
an event that belongs earlier in the order makes the projection fold the whole log again, so
the state stays a function of the set of events whatever order they arrived in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from multitude.domain import InvalidBody, State, apply, validate_body
from multitude.ledger import CanonicalError, Event
from multitude.ledger.event import from_stored
from multitude.projection.order import Entry, Known, OrderKey, Resolution, requirements, resolve
from multitude.projection.stored import StoredTable
from multitude.projection.tables import FINGERPRINT, LARGE, STATE_SPECS, TrackedTable, tracked_state
from multitude.store import STATUS_SPEC, EventRow, StatusRow, Store

__all__ = ["Appended", "Projector", "StatusRow", "entry_from_row", "fold_log"]

_STALE = "projection_stale"  # set while appended events wait for a deferred fold
_ANALYZE_AFTER = 50_000
# A store opened empty and filled by a long-running server would plan on empty-table statistics
# for its first 50,000 rows (a full scan where an index serves): refresh early, then less often.
_FIRST_ANALYZE = 1_000


@dataclass
class Appended:
    """What an append did: the new events' statuses (or that their fold was deferred), and how
    many were already held."""

    statuses: dict[str, StatusRow] = field(default_factory=dict)
    duplicates: int = 0
    deferred: list[str] = field(default_factory=list)  # appended, to be folded by settle()


def to_row(event: Event) -> EventRow:
    return EventRow(
        event.id, event.author, event.seq, event.prev, event.time, event.type, event.network, event.payload, event.sig
    )


def entry_from_row(row: EventRow) -> tuple[Entry | None, str]:
    """Read a stored event back; (None, reason) if its body no longer validates."""
    try:
        event = from_stored(row.id, row.payload, row.sig)
    except (CanonicalError, KeyError, TypeError) as error:
        return None, f"stored bytes are damaged: {error}"
    try:
        return Entry(event, validate_body(event.type, event.body, event.network)), ""
    except InvalidBody as error:
        return None, f"no longer valid: {error}"


def _fold(state: State, resolution: Resolution, first_position: int) -> list[StatusRow]:
    rows: list[StatusRow] = []
    position = first_position
    for key, entry in resolution.ready:
        outcome = apply(state, entry.event, entry.body)
        status = "applied" if outcome.applied else "rejected"
        rows.append((entry.event.id, status, outcome.reason, None, key[0], key[1], position))
        position += 1
    for entry, waiting_for in resolution.pending:
        reason = f"waiting for event {waiting_for[:12]}"
        rows.append((entry.event.id, "pending", reason, waiting_for, None, None, None))
    return rows


def fold_log(rows: Iterable[EventRow], state: State) -> list[StatusRow]:
    """Fold a whole log into `state` (which starts empty); return every event's status."""
    entries, broken = [], []
    for row in rows:
        entry, reason = entry_from_row(row)
        if entry is None:
            broken.append((row.id, "rejected", reason, None, None, None, None))
        else:
            entries.append(entry)
    return _fold(state, resolve(entries, {}), 1) + broken


class Projector:
    """Owns the write path of one store: append, fold, rebuild."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.state: State = tracked_state(store)
        self._unanalyzed = 0  # rows written to large tables since the store last refreshed its statistics
        self._analyze_at = _FIRST_ANALYZE  # … and how many call for a refresh: doubling, up to _ANALYZE_AFTER
        self._version: str | None = None
        if store.prepare_projection(STATE_SPECS, FINGERPRINT) or store.get_meta(_STALE) is not None:
            self.rebuild()  # never folded, or a submission stopped before its deferred fold
        else:
            self._load()

    # -- state kept in memory, in step with the store --------------------------------------
    def _load(self) -> None:
        self.state = tracked_state(
            self.store, {spec.name: self.store.rows(spec) for spec in STATE_SPECS if spec.name not in LARGE}
        )
        self._version = self.store.get_meta("projection_version")

    @property
    def version(self) -> str | None:
        """Changes whenever the projection does (here or in another process): a key for caches."""
        return self._version

    def stale(self) -> bool:
        """Whether another process wrote since we last looked (one read, no lock)."""
        return self.store.get_meta("projection_version") != self._version

    def refresh(self) -> None:
        """Reload when another process wrote since we last looked (call under the store's lock)."""
        if self.store.get_meta("projection_version") != self._version:
            self._load()

    def _flush(self, position: int, tail: OrderKey | None) -> None:
        """Write what the fold changed in the state tables, and where the fold stands."""
        for spec in STATE_SPECS:
            table = self.state.table(spec.name)
            if isinstance(table, StoredTable):
                table.write()
                self._unanalyzed += table.written
                table.written = 0
                continue
            assert isinstance(table, TrackedTable)
            upserts, deletes = table.changes()
            self.store.delete(spec, deletes)
            self.store.upsert(spec, [tuple(row) for row in upserts])
        if self._unanalyzed >= self._analyze_at:
            self.store.analyze()
            self._unanalyzed = 0
            self._analyze_at = min(self._analyze_at * 2, _ANALYZE_AFTER)
        version = str(int(self._version or 0) + 1)
        self.store.set_metas({"projection_position": str(position), "projection_tail": json.dumps(tail),
                              "projection_version": version})
        self._version = version

    def select(self, table: str, **equal: Any) -> list[Any]:
        """Rows of a state table whose columns equal the values given."""
        mapping = self.state.table(table)
        if isinstance(mapping, StoredTable):
            return mapping.select(**equal)
        return [row for row in mapping.values() if all(getattr(row, k) == v for k, v in equal.items())]

    def tail_time(self) -> str | None:
        """The causal time of the last event folded, if any."""
        tail = self._tail()[1]
        return tail[0] if tail else None

    def _tail(self) -> tuple[int, OrderKey | None]:
        position = int(self.store.get_meta("projection_position") or 0)
        tail = json.loads(self.store.get_meta("projection_tail") or "null")
        return position, ((str(tail[0]), int(tail[1]), str(tail[2])) if tail else None)

    # -- writing ---------------------------------------------------------------------------
    def append(self, entries: Sequence[Entry], *, defer: bool = False) -> Appended:
        """Append checked events (atomically, idempotently) and fold them.

        With `defer`, events that would make the whole log be folded again are only appended,
        and the projection is marked stale until `settle()` folds once for many batches (a
        node that reopens a stale projection folds it first).
        """
        report = Appended()
        try:
            with self.store.batch():
                self.refresh()
                unique = {entry.event.id: entry for entry in entries}
                held = self.store.existing(unique)
                new = [entry for event_id, entry in unique.items() if event_id not in held]
                report.duplicates = len(entries) - len(new)
                if not new:
                    return report
                stale = self.store.get_meta(_STALE) is not None
                statuses = None if stale or self._fills_a_chain(new) else self._fold_onto(new)
                if statuses is None:  # some belong earlier than what is folded: fold it all again
                    if defer:
                        return self._defer(new, report)
                    statuses = self._refold_with(new)
                new_ids = {entry.event.id for entry in new}
                report.statuses = {row[0]: row for row in statuses if row[0] in new_ids}
        except BaseException:
            self._load()  # the transaction rolled back: forget what the fold did in memory
            raise
        return report

    def _fills_a_chain(self, new: list[Entry]) -> bool:
        """True when a new event may come before, or compete with, one on its author's chain here
        (a gap filled late, or the twin of an equivocation, whose place decides which stays)."""
        heads = self.state.heads
        return any(
            (head := heads.get((entry.event.author,))) is not None and entry.event.seq <= head.seq for entry in new
        )

    def _woken(self, ids: set[str]) -> list[Entry]:
        """Pending events that wait for one of `ids`, and those that wait for them in turn."""
        woken: list[Entry] = []
        frontier = ids if self.store.has_pending() else set()
        while frontier:
            rows = self.store.rows_in(STATUS_SPEC, "waiting_for", frontier)
            waiting = [row[0] for row in rows if row[1] == "pending"]
            entries = [entry for entry, _ in map(entry_from_row, self.store.events_by_id(waiting)) if entry]
            woken.extend(entries)
            frontier = {entry.event.id for entry in entries}
        return woken

    def _defer(self, new: list[Entry], report: Appended) -> Appended:
        self.store.insert_events([to_row(entry.event) for entry in new])
        self.store.set_meta(_STALE, "1")
        report.deferred = [entry.event.id for entry in new]
        return report

    def settle(self) -> dict[str, StatusRow]:
        """Fold the log once if appends were deferred; return every event's status then."""
        if self.store.get_meta(_STALE) is None:
            return {}
        return {row[0]: row for row in self._refold_in_batch()}

    def _fold_onto(self, new: list[Entry]) -> list[StatusRow] | None:
        """Fold new events onto the state, or None (nothing done) when one belongs earlier."""
        woken = self._woken({entry.event.id for entry in new})
        candidates = new + woken
        ids = {entry.event.id for entry in candidates}
        outside = {dep for entry in candidates for dep in (*requirements(entry), entry.event.prev) if dep} - ids
        known = {
            row[0]: Known(row[1], row[4], row[5]) for row in self.store.rows_in(STATUS_SPEC, "event", outside)
        }
        resolution = resolve(candidates, known)
        position, tail = self._tail()
        if resolution.ready and tail is not None and resolution.ready[0][0] <= tail:
            return None
        statuses = _fold(self.state, resolution, position + 1)
        by_id = {row[0]: row for row in statuses}
        self.store.insert_events([to_row(entry.event) for entry in new], by_id)
        self.store.set_statuses([by_id[entry.event.id] for entry in woken])
        if resolution.ready:
            position += len(resolution.ready)
            tail = resolution.ready[-1][0]
        self._flush(position, tail)
        return statuses

    def _refold_with(self, new: list[Entry]) -> list[StatusRow]:
        self.store.insert_events([to_row(entry.event) for entry in new])
        return self._refold()

    def _refold(self) -> list[StatusRow]:
        self.store.clear_projection(STATE_SPECS)
        self.state = tracked_state(self.store)
        statuses = fold_log(self.store.events(), self.state)
        self.store.set_statuses(statuses)
        placed = [row for row in statuses if row[6] is not None]
        tail: Any = None
        if placed:
            last = max(placed, key=lambda row: row[6] or 0)
            tail = (last[4], last[5], last[0])
        self._flush(len(placed), tail)
        self.store.delete_meta(_STALE)
        return statuses

    def rebuild(self) -> int:
        """Drop the projection and fold the whole log again; return how many events it holds."""
        return len(self._refold_in_batch())

    def _refold_in_batch(self) -> list[StatusRow]:
        try:
            with self.store.batch():
                return self._refold()
        except BaseException:
            self._load()  # the transaction rolled back: so does the state in memory
            raise
