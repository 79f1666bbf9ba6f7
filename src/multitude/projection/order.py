"""The order in which events are folded: causal, ties broken by time and id.

Each event gets a key (causal time, depth, id). Causal time is the later of its own clock and
the causal time of every event it builds on (its author's previous event, the network it acts
in, any event its body names); depth is one more than the deepest of those. An event therefore
sorts after everything it builds on, and otherwise by time: the key is a function of the set of
events alone, so every node folds the same events in the same order.

An event cannot be applied without the events its envelope or body names (`network`,
references): until they arrive it is *pending*. A missing previous event of the same author is
only a gap: the event is placed without it, and the fold is redone when it arrives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from multitude.domain import Body, event_type
from multitude.ledger import Event

__all__ = ["Entry", "Known", "OrderKey", "Resolution", "resolve"]

OrderKey = tuple[str, int, str]


class Entry(NamedTuple):
    """An event that passed every check, with its typed body."""

    event: Event
    body: Body


class Known(NamedTuple):
    """What the projection already says about an event outside the set being resolved."""

    status: str
    order_time: str | None
    depth: int | None


@dataclass
class Resolution:
    ready: list[tuple[OrderKey, Entry]] = field(default_factory=list)
    pending: list[tuple[Entry, str]] = field(default_factory=list)  # (entry, id it waits for)


def requirements(entry: Entry) -> tuple[str, ...]:
    """The events `entry` cannot be applied without."""
    event = entry.event
    kind = event_type(event.type)
    named = kind.references(entry.body) if kind is not None else ()
    return ((event.network,) if event.network else ()) + tuple(named)


def resolve(entries: Iterable[Entry], known: Mapping[str, Known]) -> Resolution:
    """Place `entries` in the order, or find what each pending one waits for.

    `known` describes events outside `entries` that they build on; an event in neither is not
    in the log yet.
    """
    by_id = {entry.event.id: entry for entry in entries}
    placed: dict[str, tuple[str, int] | str] = {}  # id -> (causal time, depth) | waited-for id
    for root in by_id:
        stack = [root]
        while stack:
            current = stack[-1]
            if current in placed:
                stack.pop()
                continue
            entry = by_id[current]
            needed = requirements(entry)
            prev = entry.event.prev
            inner = [d for d in (*needed, prev) if d is not None and d in by_id and d not in placed]
            if inner:
                stack.extend(inner)
                continue
            stack.pop()
            placed[current] = _place(entry, needed, prev, by_id, placed, known)
    result = Resolution()
    for event_id, place in placed.items():
        if isinstance(place, str):
            result.pending.append((by_id[event_id], place))
        else:
            result.ready.append(((place[0], place[1], event_id), by_id[event_id]))
    result.ready.sort(key=lambda item: item[0])
    result.pending.sort(key=lambda item: item[0].event.id)
    return result


def _place(
    entry: Entry,
    needed: tuple[str, ...],
    prev: str | None,
    by_id: Mapping[str, Entry],
    placed: Mapping[str, tuple[str, int] | str],
    known: Mapping[str, Known],
) -> tuple[str, int] | str:
    time, depth = entry.event.time, 0
    for dep in (*needed, prev):
        if dep is None:
            continue
        if dep in by_id:
            place = placed[dep]
            if isinstance(place, str):
                return dep
            dep_time, dep_depth = place
        elif dep in known:
            info = known[dep]
            if info.status == "pending" or info.order_time is None or info.depth is None:
                return dep
            dep_time, dep_depth = info.order_time, info.depth
        elif dep == prev:
            continue  # a gap in the author's chain: placed without it
        else:
            return dep
        time = max(time, dep_time)
        depth = max(depth, dep_depth + 1)
    return (time, depth)
