"""The figures of bench.gui from timestamps (seconds, one clock per list): rates over a window,
the latency from each key to the next frame, display updates grouped from their messages."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def rate(times: Sequence[float], start: float, end: float) -> float:
    """Events per second in [start, end)."""
    if end <= start:
        raise ValueError("an empty window")
    return sum(start <= t < end for t in times) / (end - start)


def first_after(times: Sequence[float], after: float, before: float | None = None) -> float | None:
    """The first time > ``after`` (and < ``before``), or None."""
    found = [t for t in times if t > after and (before is None or t < before)]
    return min(found) if found else None


def key_latencies(keys: Sequence[float], frames: Sequence[float]) -> list[float | None]:
    """For each key, the time to the first frame after it and before the next key (None: no
    frame in between)."""
    ordered = sorted(keys)
    out: list[float | None] = []
    for index, key in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        frame = first_after(frames, key, following)
        out.append(None if frame is None else frame - key)
    return out


def bursts(times: Sequence[float], gap: float) -> list[float]:
    """The start of each group of times whose neighbours are at most ``gap`` apart: the
    messages of one display update arrive back to back, updates are a refresh period apart."""
    starts: list[float] = []
    last = None
    for t in sorted(times):
        if last is None or t - last > gap:
            starts.append(t)
        last = t
    return starts


def median(values: Sequence[float | None]) -> float | None:
    """The median of the values that are not None (None if there are none)."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None
