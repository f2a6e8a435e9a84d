"""Whether exclusive mode holds now, and a bounded wait for it to end (memd and the broker).

Only a live holder holds: a record whose process has died is stale (its pauses are undone by
the next bulkhead command, ``recover.py``), so it never makes anyone wait. A record that cannot
be read holds (fail closed): the waiter gives up at its deadline and says why.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import record as records

POLL_S = 0.5


def holder(path: Path) -> str | None:
    """Who holds exclusive mode, in words; None when nobody does (no record, or a stale one)."""
    try:
        found = records.read(path)
    except (records.RecordError, OSError) as exc:
        return f"an unreadable exclusive-mode record ({exc})"
    if found is None or not records.alive(found.holder):
        return None
    return (f"bulkhead exclusive (pid {found.holder.pid}) running a command in "
            f"{found.domain} with {len(found.paused)} domain(s) paused")


def wait_while_held(path: Path | None, timeout: float, poll: float = POLL_S) -> str | None:
    """Wait at most ``timeout`` s for exclusive mode to end; None when it has (or never held),
    else who still holds it."""
    if path is None:
        return None
    deadline = time.monotonic() + timeout
    while True:
        who = holder(path)
        if who is None or time.monotonic() >= deadline:
            return who
        time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
