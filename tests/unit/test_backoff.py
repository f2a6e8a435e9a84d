"""The shared back-off: a dependency that keeps failing is tried after holds doubling up to the
longest, and logged twice per outage (when it starts, when it ends), whatever the sequence."""

from __future__ import annotations

import logging

from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.backoff import Backoff, Outage


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def at(self, level: int) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno == level]


def outage_log() -> tuple[logging.Logger, Lines]:
    log = logging.getLogger("bulkhead.test.backoff")
    lines = Lines()
    log.handlers[:] = [lines]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    return log, lines


def test_holds_double_up_to_the_longest_and_forget_starts_afresh():
    clock = Clock()
    backoff = Backoff(0.5, 30.0, clock)
    holds = [backoff.strike("libvirt", clock.now) for _ in range(10)]
    assert holds == [0.5, 1, 2, 4, 8, 16, 30, 30, 30, 30]
    assert not backoff.due("libvirt")
    clock.now += 30
    assert backoff.due("libvirt")
    backoff.forget("libvirt")
    assert backoff.strike("libvirt", clock.now) == 0.5


@given(st.lists(st.tuples(st.booleans(), st.floats(0, 100)), max_size=60))
def test_an_outage_is_logged_when_it_starts_and_when_it_ends_only(events):
    clock = Clock()
    log, lines = outage_log()
    outage = Outage("reach libvirt", log, first=0.5, longest=30.0, clock=clock)
    outages = recoveries = 0
    down = False
    for works, step in events:
        clock.now += step
        if works:
            outage.succeeded()
            recoveries += down
            down = False
        else:
            hold = outage.failed(OSError("connection refused"))
            assert 0.5 <= hold <= 30.0
            assert not outage.due()
            outages += not down
            down = True
    assert len(lines.at(logging.WARNING)) == outages
    assert len(lines.at(logging.INFO)) == recoveries
    assert all(line.startswith("cannot reach libvirt: connection refused")
               for line in lines.at(logging.WARNING))
    assert all(line.startswith("can reach libvirt again after")
               for line in lines.at(logging.INFO))


def test_the_recovery_says_how_long_it_was_down():
    clock = Clock()
    log, lines = outage_log()
    outage = Outage("reach libvirt", log, clock=clock)
    for _ in range(3):
        clock.now += outage.failed("refused")
    outage.succeeded()
    assert lines.at(logging.INFO) == ["can reach libvirt again after 3.5 s (3 failed tries)"]
    assert outage.due()  # working again: tried at the loop's own pace
