"""Processes this test run started, found through /proc's parent links (no psutil: not a test
dependency). Each is named by (pid, start time), so a pid reused by someone else is never taken
for ours, and one reparented to init after its parent died is still followed."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

Proc = tuple[int, int]  # (pid, start time in clock ticks since boot)


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, start time) of ``pid``, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the name in parentheses may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def descendants(root: int | None = None) -> set[Proc]:
    """The living descendants of ``root`` (this process by default)."""
    children: dict[int, list[Proc]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[0] != "Z":
            children.setdefault(stat[1], []).append((int(entry.name), stat[2]))
    found: set[Proc] = set()
    todo = [os.getpid() if root is None else root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child[0])
    return found


def alive(proc: Proc) -> bool:
    """``proc`` still runs (a zombie has ended: only its exit status is left)."""
    stat = _stat(proc[0])
    return stat is not None and stat[2] == proc[1] and stat[0] != "Z"


def command_has(proc: Proc, marker: str) -> bool:
    try:
        return marker.encode() in Path(f"/proc/{proc[0]}/cmdline").read_bytes()
    except OSError:
        return False


def kill(proc: Proc) -> None:
    if alive(proc):  # checked just before, so a reused pid is not someone else's
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc[0], signal.SIGKILL)


class Marked:
    """This run's processes whose command line holds ``marker``: ``scan`` remembers every one
    seen, so one that outlives its parent (reparented away from us) is still checked and killed."""

    def __init__(self, marker: str):
        self.marker = marker
        self.seen: set[Proc] = set()

    def scan(self) -> set[Proc]:
        self.seen |= {p for p in descendants() if command_has(p, self.marker)}
        return self.seen

    def living(self) -> set[Proc]:
        return {p for p in self.scan() if alive(p)}

    def kill_all(self) -> None:
        for proc in self.scan():
            kill(proc)


def end_sessions(marker: str, timeout: float = 5.0) -> set[Proc]:
    """Kill each of this run's processes whose command line holds ``marker`` (a service: the
    leader of a session of its own) with its whole process group and every descendant; those
    still alive after ``timeout`` seconds (none, unless a kill failed)."""
    leaders = {p for p in descendants() if command_has(p, marker)}
    doomed = leaders | {d for p in leaders for d in descendants(p[0])}
    for pid, _start in leaders:  # not yet reaped by us: the pid still names its group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    for proc in doomed:  # one that left the group is still followed
        kill(proc)
    deadline = time.monotonic() + timeout
    while (living := {p for p in doomed if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.02)
    return living
