"""The audit behind `multitude verify`: the log re-checked from its bytes, its chains walked,
and the stored projection compared with a fresh fold of the log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from multitude.domain import State
from multitude.ledger import MalformedEvent
from multitude.ledger.event import reopen
from multitude.projection.digest import table_rows
from multitude.projection.projector import fold_log
from multitude.projection.tables import SPECS
from multitude.store import EventRow, Store

__all__ = ["Audit", "Finding", "audit"]

_SHOWN_PER_TABLE = 20


@dataclass(frozen=True)
class Finding:
    """One thing the audit found. A problem means the store is not intact; a note does not."""

    problem: bool
    subject: str
    message: str


@dataclass
class Audit:
    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    distributions: int = 0  # distributions recomputed from the log and found as recorded
    closes: int = 0  # proposal closes recounted from the log and found as recorded

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.problem]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if not f.problem]

    @property
    def intact(self) -> bool:
        return not self.problems

    def recomputed(self) -> str:
        """What the audit says of the distributions it recomputed ('' when there were none)."""
        if not self.distributions:
            return ""
        plural = "s" if self.distributions != 1 else ""
        return f"{self.distributions} distribution{plural} recomputed from the log: each gives what it recorded."

    def recounted(self) -> str:
        """What the audit says of the proposal closes it recounted ('' when there were none)."""
        if not self.closes:
            return ""
        plural = "s" if self.closes != 1 else ""
        return f"{self.closes} proposal close{plural} recounted from the log: each matches its votes and outcome."


def _check_event(row: EventRow) -> Finding | None:
    try:
        event = reopen(row.id, row.payload, row.sig)
    except MalformedEvent as error:
        return Finding(True, row.id, f"{error.field} {error.problem}")
    for column in ("author", "seq", "prev", "time", "type", "network"):
        if getattr(event, column) != getattr(row, column):
            return Finding(True, row.id, f"stored column {column} differs from the signed content")
    return None


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> '1-3, 7'."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _chains(rows: list[EventRow], audit: Audit) -> None:
    by_id = {row.id: row for row in rows}
    seqs: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        seqs[row.author][row.seq].append(row.id)
        if row.prev is not None and row.prev in by_id:
            prev = by_id[row.prev]
            if prev.author != row.author or prev.seq != row.seq - 1:
                audit.findings.append(
                    Finding(False, row.id, f"prev names {row.prev[:12]}, which is not its author's seq {row.seq - 1}")
                )
    for author in sorted(seqs):
        held = seqs[author]
        for seq in sorted(held):
            if len(held[seq]) > 1:
                ids = ", ".join(sorted(event_id[:12] for event_id in held[seq]))
                audit.findings.append(
                    Finding(False, author, f"equivocation: two events at seq {seq} ({ids}); kept as evidence")
                )
        missing = sorted(set(range(1, max(held) + 1)) - held.keys())
        if missing:
            audit.findings.append(Finding(False, author, f"chain gap: seq {_ranges(missing)} not received"))


def _projection(store: Store, rows: list[EventRow], audit: Audit) -> None:
    fresh = State.empty()
    statuses = fold_log(rows, fresh)
    expected: dict[str, list[tuple[Any, ...]]] = {
        name: [tuple(row) for row in getattr(fresh, name).values()] for name in fresh.__dataclass_fields__
    }
    expected["event_status"] = [tuple(row) for row in statuses]
    _recomputed(rows, statuses, audit)
    folded = sum(1 for row in statuses if row[6] is not None)
    recorded = int(store.get_meta("projection_position") or 0)
    if folded != recorded:
        audit.findings.append(Finding(
            True, "log", f"the projection folded {recorded} events but the log holds {folded} to fold: "
            "events were removed or added behind the node's back",
        ))
    for spec in SPECS:
        stored = {row[: spec.key]: row for row in table_rows(store.rows(spec), spec)}
        wanted = {row[: spec.key]: row for row in table_rows(expected[spec.name], spec)}
        differing = sorted(key for key in stored.keys() | wanted.keys() if stored.get(key) != wanted.get(key))
        for key in differing[:_SHOWN_PER_TABLE]:
            shown = "/".join(str(part)[:12] for part in key)
            if key not in stored:
                message = "missing from the stored projection"
            elif key not in wanted:
                message = "in the stored projection but not in a fresh fold of the log"
            else:
                message = f"stored {stored[key]!r}, a fresh fold gives {wanted[key]!r}"
            audit.findings.append(Finding(True, f"{spec.name}:{shown}", message))
        if len(differing) > _SHOWN_PER_TABLE:
            more = len(differing) - _SHOWN_PER_TABLE
            audit.findings.append(Finding(True, spec.name, f"{more} more rows differ from a fresh fold"))


# What the fold recomputes and a signed event states: (the audit's counter, what a mismatch is).
_RECOMPUTED = {
    "distribution.recorded": ("distributions", "this distribution does not match the log"),
    "proposal.closed": ("closes", "this close does not match the recount"),
}


# The reasons a close is rejected for when its recount differs (the others: too early, by whom…).
_RECOUNT_REASONS = ("the votes counted differ", "the recount gives")


def _recomputed(rows: list[EventRow], statuses: list[Any], audit: Audit) -> None:
    """Every distribution and proposal close was recomputed by the fresh fold; say which match and
    which do not."""
    kinds = {row.id: row.type for row in rows if row.type in _RECOMPUTED}
    for status in statuses:
        kind = kinds.get(status[0])
        if kind is None:
            continue
        counter, mismatch = _RECOMPUTED[kind]
        if status[1] == "applied":
            setattr(audit, counter, getattr(audit, counter) + 1)
        elif status[1] == "rejected":
            recounted = kind != "proposal.closed" or status[2].startswith(_RECOUNT_REASONS)
            said = mismatch if recounted else "this close was refused"
            audit.findings.append(Finding(False, status[0], f"{said}: {status[2]}"))


def audit(store: Store, progress: Callable[[int], None] | None = None) -> Audit:
    """Check every event's bytes, id and signature, every chain, and the projection."""
    result = Audit()
    rows = list(store.events())
    result.events = len(rows)
    intact = []
    for index, row in enumerate(rows, 1):
        finding = _check_event(row)
        if finding is None:
            intact.append(row)
        else:
            result.findings.append(finding)
        if progress is not None and index % 1000 == 0:
            progress(1000)
    if progress is not None:
        progress(len(rows) % 1000)
    _chains(intact, result)
    _projection(store, intact, result)
    return result
