"""The demo's own clock, and a node that signs at its time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from multitude.ledger.event import event_time
from multitude.node import Node, Receipt

__all__ = ["STORY_DAYS", "Dated", "StoryClock"]

STORY_DAYS = 21


class StoryClock:
    """The demo's own clock: day 0 of the story is three weeks before `now`, and each event
    signed takes a minute, so the story's last day is yesterday whenever it is loaded."""

    def __init__(self, now: datetime) -> None:
        self.start = (now - timedelta(days=STORY_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
        self.moment = self.at(0)

    def at(self, day: int, hour: int = 9) -> datetime:
        """`hour` o'clock (UTC) of the story's `day`; day STORY_DAYS is the day it is loaded."""
        return self.start + timedelta(days=day, hours=hour)

    def day(self, day: int, hour: int = 9) -> None:
        """Move on to `hour` o'clock of `day` (never back: what was signed stays before)."""
        self.moment = max(self.moment, self.at(day, hour))

    def tick(self) -> str:
        """The time of the next event."""
        self.moment += timedelta(minutes=1)
        return event_time(self.moment)


class Dated(Node):
    """The node signing every event at the demo clock's time; it shares the node's store,
    projection and key ring."""

    def __init__(self, node: Node, clock: StoryClock) -> None:
        vars(self).update(vars(node))
        self.clock = clock

    def signing_time(self) -> str:
        return self.clock.tick()

    def act(self, type: str, body: Mapping[str, Any], network: str | None = None, *,
            check: bool = True, time: str | None = None) -> Receipt:
        return super().act(type, body, network, check=check, time=time or self.clock.tick())
