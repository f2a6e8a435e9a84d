"""Hysteresis: keep a domain where it is when the balancer would move it only a little.

Holding a small increase frees memory, so it is always safe. Holding a small decrease costs memory,
so it is allowed only while the held amounts still fit in the capacity, and, when memory is short,
only for a domain at or below its preference: a donor above its preference must give way before
anyone below theirs loses memory.

The result depends only on the ideal targets, the current sizes and the capacity, and holding
never moves a domain away from its current size. Feeding the result back in as the current sizes
therefore reproduces it: balancing unchanged inputs again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence


def hold_small_changes(
    ideal: Sequence[int],
    current: Sequence[int],
    preferred: Sequence[int],
    lows: Sequence[int],
    highs: Sequence[int],
    capacity: int,
    threshold: int,
) -> list[int]:
    """Return ``ideal`` with changes smaller than ``threshold`` undone where that stays safe.

    A domain whose current size is outside its bounds is always moved to its ideal target.
    """
    short = sum(preferred) > capacity
    result = list(ideal)
    costly: list[tuple[int, int]] = []  # (memory it costs to hold, index)
    for index, (target, now) in enumerate(zip(ideal, current, strict=True)):
        change = target - now
        if change == 0 or abs(change) >= threshold or not lows[index] <= now <= highs[index]:
            continue
        if change > 0:
            result[index] = now
        elif not short or now <= preferred[index]:
            costly.append((-change, index))

    # Cheapest first, so as many domains as possible stay still; ties by index for determinism.
    budget = capacity - sum(result)
    for cost, index in sorted(costly):
        if cost > budget:
            break
        result[index] = current[index]
        budget -= cost
    return result
