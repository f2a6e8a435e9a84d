"""Donors that do not give: remembered per domain run, as qmemman's no-progress marking.

A lowered balloon target is only a request to the guest. A guest that reports almost no use but
never inflates its balloon would otherwise be picked as a donor at every start: the start waits
out its timeout and is refused, and the honest domains shrunk alongside it shrink for nothing.

So every shrink memd asks for is watched. A domain whose balloon has not come ``PROGRESS_KIB``
closer to its target within ``stall_seconds`` (from the request, or from its last progress) is
marked non-cooperating. The daemon then treats a marked domain as pinned at its present balloon
size: that memory counts as used, it is no donor to the balancer or to admission, and no new
target is set for it (the one outstanding stays, so the guest can still honour it). The mark
clears as soon as the balloon moves towards that target again, and with the run: a restarted
domain has a new id, so a new key.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

PROGRESS_KIB = 4 * 1024
"""How far a balloon must move towards its target within ``stall_seconds`` to count as giving."""
SLACK_KIB = 1024
"""A balloon within a MiB of its target has given what was asked."""


@dataclass
class _Watch:
    target_kib: int
    level_kib: int
    """The balloon size when it last made progress (or when asked)."""
    since: float
    stalled: bool = False


@dataclass
class Cooperation:
    """The outstanding shrink of each domain run (``uuid/id``) and whether its guest honours it."""

    _watches: dict[str, _Watch] = field(default_factory=dict)

    def asked(self, run: str, actual_kib: int, target_kib: int, now: float) -> None:
        """memd set ``target_kib`` for a domain whose balloon is at ``actual_kib``."""
        if target_kib + SLACK_KIB >= actual_kib:
            self._watches.pop(run, None)  # nothing asked of it any more
            return
        watch = self._watches.get(run)
        if watch is None:
            self._watches[run] = _Watch(target_kib, actual_kib, now)
        else:
            watch.target_kib = target_kib  # still asked to give: the clock keeps running

    def observe(self, run: str, actual_kib: int, now: float, stall_seconds: float) -> bool:
        """Record the balloon's size; True while the domain is marked non-cooperating."""
        watch = self._watches.get(run)
        if watch is None:
            return False
        if actual_kib <= watch.target_kib + SLACK_KIB:
            del self._watches[run]  # it gave what was asked
            return False
        if actual_kib <= watch.level_kib - PROGRESS_KIB:
            watch.level_kib, watch.since, watch.stalled = actual_kib, now, False
            return False
        if now - watch.since >= stall_seconds:
            watch.stalled = True
        return watch.stalled

    def mark(self, run: str) -> None:
        """Mark a donor that was asked and did not give in time (no-op when nothing was asked)."""
        if run in self._watches:
            self._watches[run].stalled = True

    def stalled(self, run: str) -> bool:
        watch = self._watches.get(run)
        return watch is not None and watch.stalled

    def marked(self) -> list[str]:
        return sorted(run for run, watch in self._watches.items() if watch.stalled)

    def keep_only(self, runs: Collection[str]) -> None:
        """Forget the runs that ended (stopped or restarted domains)."""
        for run in [r for r in self._watches if r not in runs]:
            del self._watches[run]
