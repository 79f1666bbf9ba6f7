"""Login attempts, limited: after a few failures for one account name or from one address,
further attempts are refused for a while, so passwords cannot be guessed at speed.

Counts live in the server process (a restart forgets them); a node behind several processes
limits each one separately, which still bounds guessing to a small multiple."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = ["LoginThrottle"]


class LoginThrottle:
    def __init__(self, failures: int = 5, window: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = failures
        self.window = window
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        times = self._seen.setdefault(key, deque())
        horizon = self.clock() - self.window
        while times and times[0] <= horizon:
            times.popleft()
        if not times:
            del self._seen[key]
            return deque()
        return times

    def wait(self, *keys: str) -> int:
        """Seconds until an attempt for these keys may be made; 0 when it may be made now."""
        waits = [times[0] + self.window - self.clock() for key in keys
                 if len(times := self._recent(key)) >= self.failures]
        return max(1, int(max(waits)) + 1) if waits else 0

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._seen.setdefault(key, deque()).append(now)

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._seen.pop(key, None)
