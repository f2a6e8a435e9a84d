"""Back-off for things tried again and again: a domain's channel dropped for breaking the
protocol (the broker), and libvirtd going away (the broker's watcher, memd's loop).

:class:`Backoff` says per key when the next try is due: ``first`` seconds after the first
failure, doubling per failure up to ``longest``. :class:`Outage` uses it for one dependency and
logs twice per outage, not per try: once when it starts failing, once when it works again (with
how long it was down), so a daemon waiting for libvirtd writes two lines, not one per interval.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class Backoff:
    """Per key: when may it be tried again? ``first`` seconds after the first failure, doubling
    per failure up to ``longest``; a key that worked ``longest`` before its failure starts the
    count afresh, and so does one that is forgotten."""

    def __init__(self, first: float = 1.0, longest: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.first = first
        self.longest = longest
        self._clock = clock
        self._strikes: dict[str, tuple[int, float]] = {}  # key -> (failures in a row, not before)
        self._lock = threading.Lock()

    def strike(self, key: str, attached_at: float) -> float:
        """Record a failure of ``key`` (working since ``attached_at``); the hold in seconds."""
        now = self._clock()
        with self._lock:
            strikes, _ = self._strikes.get(key, (0, now))
            if now - attached_at >= self.longest:
                strikes = 0
            hold = min(self.longest, self.first * 2 ** min(strikes, 32))
            self._strikes[key] = (strikes + 1, now + hold)
            return hold

    def due(self, key: str) -> bool:
        with self._lock:
            _, until = self._strikes.get(key, (0, 0.0))
        return self._clock() >= until

    def forget(self, key: str) -> None:
        with self._lock:
            self._strikes.pop(key, None)


class Outage:
    """One thing a loop does that needs another daemon (``what``, e.g. "reach libvirt"): while
    it works the loop goes at its own pace; after a failure the next try is due after the back-off
    (``first`` doubling up to ``longest``). The first failure is logged as a warning with its
    error, the recovery once with how long it failed; the tries in between at debug level."""

    def __init__(self, what: str, log: logging.Logger, first: float = 0.5, longest: float = 30.0,
                 clock: Callable[[], float] = time.monotonic):
        self.what = what
        self.log = log
        self._clock = clock
        self._backoff = Backoff(first, longest, clock)
        self._since: float | None = None  # when the current outage began
        self._tries = 0

    def due(self) -> bool:
        return self._backoff.due(self.what)

    def failed(self, error: object) -> float:
        """Record a failed try; the seconds until the next one is due."""
        now = self._clock()
        if self._since is None:
            self._since, self._tries = now, 0
            self.log.warning("cannot %s: %s (trying again with back-off up to %g s; logged once)",
                             self.what, error, self._backoff.longest)
        else:
            self.log.debug("still cannot %s: %s", self.what, error)
        self._tries += 1
        return self._backoff.strike(self.what, now)

    def succeeded(self) -> None:
        if self._since is None:
            return
        down_s, tries = self._clock() - self._since, self._tries
        self._since = None
        self._backoff.forget(self.what)
        self.log.info("can %s again after %.1f s (%d failed tries)", self.what, down_s, tries)
