"""Where a guest's CPU went during a window: /proc/PID/stat of every process read before and
after (through the agent), the clock ticks (user + system) each command used in between."""

from __future__ import annotations

READ_ALL = "cat /proc/uptime; cat /proc/[0-9]*/stat 2>/dev/null; true"
"""The guest's clock (/proc/uptime, first line) and every process's counters."""
TICKS_PER_S = 100  # USER_HZ on Debian's x86 kernels


def parse_stat(text: str) -> dict[int, tuple[str, int]]:
    """pid -> (command, user + system ticks) from concatenated /proc/PID/stat lines. The command
    is in parentheses and may hold spaces or parentheses itself: the last ')' ends it."""
    out: dict[int, tuple[str, int]] = {}
    for line in text.splitlines():
        head, sep, tail = line.rpartition(")")
        if not sep or "(" not in head:
            continue
        pid, _, comm = head.partition(" (")
        fields = tail.split()
        if not pid.strip().isdigit() or len(fields) < 13:
            continue
        out[int(pid)] = (comm, int(fields[11]) + int(fields[12]))  # utime, stime
    return out


def uptime(text: str) -> float:
    """The guest's seconds since boot: the first number of READ_ALL's output."""
    return float(text.split(maxsplit=1)[0])


def busiest(before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]],
            seconds: float, count: int = 3) -> list[tuple[str, float]]:
    """The ``count`` commands that used most CPU between the readings, as a share of one CPU
    over ``seconds`` (processes of the same command added up; a process that started in
    between counts from zero)."""
    used: dict[str, int] = {}
    for pid, (comm, ticks) in after.items():
        old = before.get(pid)
        start = old[1] if old is not None and old[0] == comm else 0
        used[comm] = used.get(comm, 0) + max(ticks - start, 0)
    ranked = sorted(used.items(), key=lambda item: -item[1])[:count]
    return [(comm, ticks / TICKS_PER_S / seconds) for comm, ticks in ranked]
