"""Trying an event on the current state without changing it, to refuse doomed commands early."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import fields
from typing import Any

from multitude.domain import Outcome, State, apply
from multitude.domain.accounting.tally import Group, Tallying, TallyQuery, tally
from multitude.projection.order import Entry

__all__ = ["preview"]

_GONE = object()


class _Overlay(MutableMapping[Any, Any]):
    """Reads through to a table; keeps its own writes to itself."""

    def __init__(self, base: MutableMapping[Any, Any]) -> None:
        self.base = base
        self.changes: dict[Any, Any] = {}

    def __getitem__(self, key: Any) -> Any:
        value = self.changes.get(key, None) if key in self.changes else self.base[key]
        if value is _GONE:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        self.changes[key] = value

    def __delitem__(self, key: Any) -> None:
        self[key]  # raises KeyError when absent, as a dict would
        self.changes[key] = _GONE

    def __iter__(self) -> Iterator[Any]:
        for key in self.base:
            if self.changes.get(key) is not _GONE:
                yield key
        for key, value in self.changes.items():
            if key not in self.base and value is not _GONE:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        if key in self.changes:
            return self.changes[key] is not _GONE
        return key in self.base

    def tally(self, query: TallyQuery) -> Iterable[Group]:
        """The base's own tally while nothing here changed; else the tally of what is seen here."""
        if not self.changes and isinstance(self.base, Tallying):
            return self.base.tally(query)
        return tally(dict(self.items()), query)


def preview(state: State, entry: Entry) -> Outcome:
    """What applying `entry` now would do, leaving `state` untouched."""
    scratch = State(**{f.name: _Overlay(getattr(state, f.name)) for f in fields(State)})
    return apply(scratch, entry.event, entry.body)
