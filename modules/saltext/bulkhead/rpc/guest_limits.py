"""What one domain may cost the broker, whatever its guest does: the bounds, the token bucket
behind the rates, and the broker's log limited per domain.

Every guest is hostile. Per domain the broker holds at most a reader and a writer thread and one
call thread, ``max_queued`` bytes waiting to be sent (outbox.py) plus one frame being read; a send
waits at most ``send_timeout_s``; at most ``call_burst`` calls plus ``calls_per_s`` per second are
decided (the others are denied before the policy or libvirt is read); at most ``frame_burst``
plus ``frames_per_s`` a second of its frames that are not its call's data are acted on (beyond,
its reader waits: its own writes back up, nobody else's); and at most ``log_burst`` plus
``log_lines_per_minute`` log lines a minute are written for it, each of at most ``MAX_LINE``
characters, plus one line saying how many were suppressed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..rpcwire.frames import HEADER, MAX_DATA

MAX_LINE = 1000  # characters of one log line (guest-influenced parts are shorter still)
FRAME = MAX_DATA + HEADER.size


@dataclass(frozen=True, slots=True)
class GuestLimits:
    send_timeout_s: float = 10.0  # a frame to a guest is taken within this, or the guest is dropped
    data_queued: int = 2 * FRAME  # relayed DATA waiting for a guest (the relay waits beyond it)
    control_queued: int = 4096  # control frames on top of that (a guest not reading is dropped)
    calls_per_s: float = 5.0
    call_burst: int = 20
    # CALL, HELLO, EXIT, and DATA/EOF outside a call (dropped): a guest's protocol needs a few a
    # call; a flood of them would hold a core and the interpreter every other channel needs
    frames_per_s: float = 100.0
    frame_burst: int = 200
    log_lines_per_minute: float = 60.0
    log_burst: int = 30

    def __post_init__(self) -> None:
        if (self.send_timeout_s <= 0 or self.data_queued < FRAME or self.control_queued < 0
                or self.calls_per_s <= 0 or self.call_burst < 1 or self.frames_per_s <= 0
                or self.frame_burst < 1 or self.log_lines_per_minute <= 0 or self.log_burst < 1):
            raise ValueError(f"guest limits out of range: {self}")

    @property
    def max_queued(self) -> int:
        return self.data_queued + self.control_queued


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second; not thread-safe (callers lock)."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()

    def take(self) -> bool:
        self._refill()
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def reserve(self) -> float:
        """A token taken, possibly one still to come: the seconds until it is there (0.0 when
        it was). The next reservation waits for its own after this one's."""
        self._refill()
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now


class CallRate:
    """Per domain name: may this domain have one more call decided now?"""

    def __init__(self, limits: GuestLimits, clock: Callable[[], float] = time.monotonic):
        self._limits = limits
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}  # keyed by names libvirt reports, not guests
        self._lock = threading.Lock()

    def take(self, domain: str) -> bool:
        with self._lock:
            bucket = self._buckets.get(domain)
            if bucket is None:
                bucket = TokenBucket(self._limits.calls_per_s, self._limits.call_burst, self._clock)
                self._buckets[domain] = bucket
            return bucket.take()


class FramePace:
    """Per domain name: a frame over the domain's rate is acted on only once its token is
    there; its channel's reader waits meanwhile (the guest's writes back up, nobody else's)."""

    def __init__(self, limits: GuestLimits, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self._limits = limits
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def wait(self, domain: str) -> float:
        """Return once ``domain`` may have one more frame acted on; the seconds waited."""
        with self._lock:
            bucket = self._buckets.get(domain)
            if bucket is None:
                bucket = TokenBucket(self._limits.frames_per_s, self._limits.frame_burst,
                                     self._clock)
                self._buckets[domain] = bucket
            delay = bucket.reserve()
        if delay:
            self._sleep(delay)
        return delay


class DomainLog:
    """The broker's log, limited per domain: lines over the domain's rate are counted, not
    written, and the count is written before its next line that gets through."""

    def __init__(self, log: logging.Logger, limits: GuestLimits,
                 clock: Callable[[], float] = time.monotonic):
        self.log = log
        self._limits = limits
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._suppressed: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, domain: str, level: int, fmt: str, *args: object) -> None:
        with self._lock:
            bucket = self._buckets.get(domain)
            if bucket is None:
                bucket = TokenBucket(self._limits.log_lines_per_minute / 60, self._limits.log_burst,
                                     self._clock)
                self._buckets[domain] = bucket
            if not bucket.take():
                self._suppressed[domain] = self._suppressed.get(domain, 0) + 1
                return
            suppressed = self._suppressed.pop(domain, 0)
        if suppressed:
            self.log.warning("%s: %d log lines suppressed (over %g a minute)", domain, suppressed,
                             self._limits.log_lines_per_minute)
        text = fmt % args if args else fmt
        if len(text) > MAX_LINE:
            text = text[:MAX_LINE - 3] + "..."
        self.log.log(level, "%s", text)
