"""Hysteresis: keep a domain where it is when the balancer would move it only a little.

"A little" is ``threshold`` KiB for everyone; a domain that already has its preference while memory
is plentiful is also left alone within ``band`` (a fraction) of its ideal target, because the spare
memory it would gain or lose is only cache, and chasing it makes every burst elsewhere move every
domain down and back up again.

Holding an increase frees memory, so it is always safe. Holding a decrease costs memory, so it is
allowed only while the held amounts still fit in the capacity (the last one that does not fit is
held in part). Only used while the preferences fit: a shortage is handled by ``shortage.py``.

The result depends only on the ideal targets, the current sizes and the capacity, and holding never
moves a domain away from its current size, so feeding the result back in as the current sizes
reproduces it: balancing unchanged inputs again changes nothing.
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
    band: float,
) -> list[int]:
    """Return ``ideal`` (preferences fit in ``capacity``) with small changes undone where that
    stays safe: ``threshold`` KiB for everyone, ``band`` (of the ideal) for a domain that has its
    preference. A domain whose current size is outside its bounds is always moved to its ideal.
    """
    result: list[int] = []
    costly: list[tuple[int, int]] = []  # (memory it costs to hold, index)
    for target, now, pref, low, high in zip(ideal, current, preferred, lows, highs, strict=True):
        change = target - now
        if change == 0 or now < low or now > high:
            result.append(target)
            continue
        size = change if change > 0 else -change
        if now >= pref:  # it has its preference: the band applies too
            band_kib = int(band * target)
            if size >= (band_kib if band_kib > threshold else threshold):
                result.append(target)
                continue
        elif size >= threshold:
            if change > 0:
                # Raise it to its preference plus headroom, just inside the band it will then be
                # held in, rather than all the way to its share of spare memory (which the next
                # shortage would take back at once).
                band_kib = int(band * target)
                headroom = target - (band_kib if band_kib > threshold else threshold) + 1
                headroom = pref + threshold if pref + threshold > headroom else headroom
                target = headroom if headroom < target else target
            result.append(target)
            continue
        if change > 0:
            result.append(now)
        else:
            costly.append((size, len(result)))
            result.append(target)

    # Cheapest first, so as many domains as possible stay still; ties by index for determinism.
    budget = capacity - sum(result)
    for cost, index in sorted(costly):
        if budget <= 0:
            break
        held = min(cost, budget)
        result[index] += held
        budget -= held
    return result
