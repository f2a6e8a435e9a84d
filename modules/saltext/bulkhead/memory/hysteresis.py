"""Hysteresis: keep a domain where it is when the balancer would move it only a little.

"A little" is ``threshold`` KiB for everyone; a domain that already has its preference while memory
is plentiful is also left alone within ``band`` (a fraction) of its ideal target, because the spare
memory it would gain or lose is only cache, and chasing it makes every burst elsewhere move every
domain down and back up again.

Holding an increase frees memory, so it is always safe. Holding a decrease costs memory, so it is
allowed only while the held amounts still fit in the capacity (the last one that does not fit is
held in part), and, when memory is short, only for a domain at or below its preference: a donor
above its preference must give way before anyone below theirs loses memory.

The result depends only on the ideal targets, the current sizes and the capacity, and holding never
moves a domain away from its current size, so feeding the result back in as the current sizes
reproduces it: balancing unchanged inputs again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tolerance:
    threshold: int
    """Absolute: changes smaller than this many KiB are not made."""
    band: float
    """Relative to the ideal target; for domains with their preference while memory is plentiful."""


def hold_small_changes(
    ideal: Sequence[int],
    current: Sequence[int],
    preferred: Sequence[int],
    lows: Sequence[int],
    highs: Sequence[int],
    capacity: int,
    tolerance: Tolerance,
) -> list[int]:
    """Return ``ideal`` with small changes undone where that stays safe.

    A domain whose current size is outside its bounds is always moved to its ideal target.
    """
    short = sum(preferred) > capacity
    result = list(ideal)
    costly: list[tuple[int, int]] = []  # (memory it costs to hold, index)
    for index, (target, now) in enumerate(zip(ideal, current, strict=True)):
        change = target - now
        if change == 0 or not lows[index] <= now <= highs[index]:
            continue
        plentiful_band = max(tolerance.threshold, int(tolerance.band * target))
        satisfied = not short and now >= preferred[index]
        allowed = plentiful_band if satisfied else tolerance.threshold
        if abs(change) >= allowed:
            if change > 0 and not short and not satisfied:
                # Raise it to its preference plus headroom, just inside the band it will then be
                # held in, rather than all the way to its share of spare memory (which the next
                # shortage would take back at once).
                headroom = max(preferred[index] + tolerance.threshold, target - plentiful_band + 1)
                result[index] = min(target, headroom)
            continue
        if change > 0:
            result[index] = now
        elif not short or now <= preferred[index]:
            costly.append((-change, index))

    # Cheapest first, so as many domains as possible stay still; ties by index for determinism.
    budget = capacity - sum(result)
    for cost, index in sorted(costly):
        held = min(cost, budget)
        result[index] += held
        budget -= held
        if budget == 0:
            break
    return result
