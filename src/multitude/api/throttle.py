"""Login attempts, limited: after a few failures for one account name, or many from one
address, further attempts are refused for a while, so passwords cannot be guessed at speed.

An attempt counts from the moment it starts, before its password is hashed, so a burst of
concurrent guesses is held to the same limit as guesses one after another; a successful login
takes its own attempt back. Counts live in the server process (a restart forgets them)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = ["LoginThrottle"]

# Beyond this many keys, expired ones are swept, so names never tried again do not pile up.
_SWEEP_AT = 10_000


class LoginThrottle:
    def __init__(self, failures: int = 5, window: float = 300.0, per_address: int = 30,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = failures  # per account name
        self.per_address = per_address  # per client address: many people may share one (NAT)
        self.window = window
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        times = self._seen.get(key)
        if times is None:
            return deque()
        horizon = self.clock() - self.window
        while times and times[0] <= horizon:
            times.popleft()
        if not times:
            del self._seen[key]
        return times

    def _limit(self, key: str) -> int:
        return self.per_address if key.startswith("address:") else self.failures

    def start(self, *keys: str) -> float | None:
        """Count an attempt for these keys and return its stamp; None (nothing counted) when
        one of them is at its limit: see `wait` for how long."""
        if self.wait(*keys):
            return None
        if len(self._seen) > _SWEEP_AT:
            for key in list(self._seen):
                self._recent(key)
        stamp = self.clock()
        for key in keys:
            self._seen.setdefault(key, deque()).append(stamp)
        return stamp

    def wait(self, *keys: str) -> int:
        """Seconds until an attempt for these keys may be made; 0 when it may be made now."""
        waits = [times[0] + self.window - self.clock() for key in keys
                 if len(times := self._recent(key)) >= self._limit(key)]
        return max(1, int(max(waits)) + 1) if waits else 0

    def succeeded(self, stamp: float, *keys: str) -> None:
        """The attempt made at `stamp` was right: it no longer counts against these keys."""
        for key in keys:
            times = self._seen.get(key)
            if times is not None and stamp in times:
                times.remove(stamp)
                if not times:
                    del self._seen[key]
