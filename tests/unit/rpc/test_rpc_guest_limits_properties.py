"""What the broker's rate limits let a guest do, for any timing: a token bucket lets through at most
``burst + rate * seconds`` in any window and refuses nothing that bound allows; per-domain call and
log limits hold each domain to it without one domain's flood costing another anything; the re-attach
back-off is 1 s doubling to 60 s, afresh after a channel that lived 60 s.

Times and rates are multiples of 1/8, so the buckets' float sums are exact and "allowed" is
exact."""

from __future__ import annotations

import logging
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.backoff import Backoff
from saltext.bulkhead.rpc.guest_limits import (
    MAX_LINE,
    CallRate,
    DomainLog,
    FramePace,
    GuestLimits,
    TokenBucket,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def allowed(passed: list[float], now: float, rate: float, burst: int) -> bool:
    """One more at ``now`` keeps every window ending now within ``burst + rate * length`` (the
    tightest windows start at construction or at a time something passed)."""
    return all(sum(t >= start for t in passed) + 1 <= burst + rate * (now - start)
               for start in [0.0, *passed])


def within_bound(passed: list[float], rate: float, burst: int) -> bool:
    return all(sum(t0 <= t <= t1 for t in passed) <= burst + rate * (t1 - t0)
               for t0 in [0.0, *passed] for t1 in passed if t1 >= t0)


eighths = st.integers(0, 40).map(lambda n: n / 8)
rates = st.sampled_from([0.125, 0.25, 0.5, 1.0, 1.5, 2.0, 5.0])
domains = st.sampled_from(["alpha", "beta", "gamma"])
lifetimes = st.one_of(st.sampled_from([59.875, 60.0]), st.integers(0, 600).map(lambda n: n / 8))


@settings(max_examples=150, deadline=None)
@given(rates, st.integers(1, 8), st.lists(st.tuples(eighths, st.integers(0, 6)), max_size=30))
def test_a_bucket_lets_through_exactly_what_its_bound_allows(rate, burst, steps):
    clock = Clock()
    bucket = TokenBucket(rate, burst, clock)
    passed: list[float] = []
    for advance, takes in steps:
        clock.now += advance
        for _ in range(takes):
            expected = allowed(passed, clock.now, rate, burst)
            assert bucket.take() is expected
            if expected:
                passed.append(clock.now)
    assert within_bound(passed, rate, burst)


@settings(max_examples=100, deadline=None)
@given(rates, st.integers(1, 6), st.lists(st.tuples(eighths, domains), max_size=60))
def test_each_domains_calls_are_limited_as_if_it_were_alone(rate, burst, steps):
    limits = GuestLimits(calls_per_s=rate, call_burst=burst)
    clock = Clock()
    together = CallRate(limits, clock)
    got = []
    for advance, domain in steps:
        clock.now += advance
        got.append(together.take(domain))
    for domain in {d for _, d in steps}:
        clock = Clock()
        alone = CallRate(limits, clock)
        for (advance, other), passed in zip(steps, got, strict=True):
            clock.now += advance
            if other == domain:
                assert alone.take(domain) is passed


# powers of two: a wait (a deficit over the rate) is then a multiple of 1/8 s too, and exact
paced_rates = st.sampled_from([0.125, 0.25, 0.5, 1.0, 2.0, 4.0])


@settings(max_examples=100, deadline=None)
@given(paced_rates, st.integers(1, 6), st.lists(st.tuples(eighths, domains), max_size=60))
def test_each_domains_frames_are_paced_to_its_own_bound(rate, burst, steps):
    """Each frame is acted on once its domain's bucket has a token: the times a domain's frames
    pass keep every window within its bound, and a domain that keeps within its burst never
    waits, whatever the others send."""
    clock = Clock()
    pace = FramePace(GuestLimits(frames_per_s=rate, frame_burst=burst), clock,
                     sleep=lambda seconds: setattr(clock, "now", clock.now + seconds))
    passed: dict[str, list[float]] = {}
    waited: dict[str, float] = {}
    for advance, domain in steps:
        clock.now += advance
        waited[domain] = waited.get(domain, 0.0) + pace.wait(domain)
        passed.setdefault(domain, []).append(clock.now)
    for domain, times in passed.items():
        assert within_bound(times, rate, burst)
        if len(times) <= burst:
            assert waited[domain] == 0.0


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


LINE = re.compile(r"(\w+): #(\d+) ")
SUPPRESSED = re.compile(r"(\w+): (\d+) log lines suppressed \(over [0-9.]+ a minute\)$")


def written(steps: list[tuple[float, str, int]], limits: GuestLimits, only: str | None = None):
    """Run ``steps`` (advance, domain, line length) through a DomainLog: its lines, and per step
    its time."""
    log = logging.getLogger(f"bulkhead.test.domainlog.{only}")
    log.propagate, log.handlers = False, [lines := Lines()]
    log.setLevel(logging.INFO)
    clock = Clock()
    say = DomainLog(log, limits, clock)
    times = []
    for number, (advance, domain, length) in enumerate(steps):
        clock.now += advance
        times.append(clock.now)
        if only in (None, domain):
            say(domain, logging.INFO, "%s: #%d %s", domain, number, "x" * length)
    return lines.lines, times


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([7.5, 15.0, 30.0, 60.0, 120.0]), st.integers(1, 5),
       st.lists(st.tuples(eighths, domains, st.integers(0, 2 * MAX_LINE)), max_size=60))
def test_each_domains_log_lines_are_limited_counted_and_never_cost_another(
    per_minute, burst, steps
):
    limits = GuestLimits(log_lines_per_minute=per_minute, log_burst=burst)
    lines, times = written(steps, limits)
    assert all(len(line) <= MAX_LINE for line in lines)
    # Every line is a line let through, or a count of the domain's lines held back just before it.
    let_through: dict[str, list[int]] = {}
    held_back: dict[str, int] = {}
    for number, line in enumerate(lines):
        if counted := SUPPRESSED.match(line):
            following = LINE.match(lines[number + 1]) if number + 1 < len(lines) else None
            assert following and following[1] == counted[1]
            held_back[counted[1]] = held_back.get(counted[1], 0) + int(counted[2])
        else:
            shown = LINE.match(line)
            assert shown
            let_through.setdefault(shown[1], []).append(int(shown[2]))
    for domain in {d for _, d, _ in steps}:
        mine = [number for number, (_, d, _) in enumerate(steps) if d == domain]
        shown = let_through.get(domain, [])
        # What was let through is exactly what the bound allows, counting this domain alone ...
        passed: list[float] = []
        for number in mine:
            if allowed(passed, times[number], per_minute / 60, burst):
                passed.append(times[number])
                assert number in shown
            else:
                assert number not in shown
        # ... and it is what the domain gets with no other domain logging at all.
        alone, _ = written(steps, limits, only=domain)
        assert [line for line in lines if line.startswith(f"{domain}: ")] == alone
        # Nothing went uncounted: the lines after the last let through are still held.
        after_last = sum(number > max(shown, default=-1) for number in mine)
        assert len(shown) + held_back.get(domain, 0) + after_last == len(mine)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 800).map(lambda n: n / 8), st.sampled_from(["a", "b"]),
                          lifetimes), max_size=40))
def test_the_backoff_doubles_from_1s_to_60s_and_starts_afresh_after_a_60s_channel(drops):
    clock = Clock()
    backoff = Backoff(clock=clock)
    in_a_row: dict[str, int] = {}
    until: dict[str, float] = {}
    for advance, domain, lived in drops:
        clock.now += advance
        for other in ("a", "b"):
            assert backoff.due(other) is (clock.now >= until.get(other, 0.0))
        if lived >= 60:
            in_a_row[domain] = 0
        expected = min(60.0, 2.0 ** in_a_row.get(domain, 0))
        assert backoff.strike(domain, attached_at=clock.now - lived) == expected
        in_a_row[domain] = in_a_row.get(domain, 0) + 1
        until[domain] = clock.now + expected
        assert not backoff.due(domain)
