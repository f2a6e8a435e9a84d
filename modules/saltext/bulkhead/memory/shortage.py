"""Targets when the preferences do not fit: cover use first, then hand out the cache bonus.

A domain below its use plus its kernel's overhead (its *need*) swaps or meets the OOM killer; one
between its need and its preference only has less page cache. So when short:

1. every domain is covered (kept at or above its need) when the needs fit; otherwise as many as
   possible (``cover.py``), the others get between their minimum and just below their need;
2. every domain stays where it is within that range (a donor above its preference included):
   memory moves only where a range demands it or the capacity is exceeded;
3. what is over the capacity is taken in tiers (``_shrink``): donors down to their preference,
   then rises smaller than ``threshold`` are not made, then covered domains give their cache
   bonus down to ``threshold`` above their need, then to their need, then uncovered domains go
   towards their minimum; within a tier the highest share of preference gives first;
4. what is left is handed out, lowest share of preference first, up to each range's top (the
   preference, or just below the need); a rise smaller than ``threshold`` is not made (the memory
   stays free). What a donor holds above its preference is not taken for a starved domain that
   it could not cover: that would change nobody's starvation.

No one below its preference gives anything while a donor is above its own. The result depends
only on the inputs, and once applied it is chosen again (idempotent).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from .cover import choose_covered
from .share import proportional_fill


def short_targets(
    current: Sequence[int],
    needs: Sequence[int],
    preferred: Sequence[int],
    lows: Sequence[int],
    capacity: int,
    threshold: int,
) -> list[int]:
    """``lows[i] <= needs[i] <= preferred[i]`` (preferred also within the maximum) and
    ``sum(lows) <= capacity < sum(preferred)``; the result sums to at most ``capacity``."""
    covered = _covered(current, needs, lows, capacity)
    # Where each domain may stay: covered ones at or above their need (a donor above its
    # preference gives only when memory is wanted), the others below it.
    held = [max(now, need) if cover else min(max(now, low), need - 1)
            for now, need, low, cover in zip(current, needs, lows, covered, strict=True)]
    total = sum(held)
    if total > capacity:
        return _shrink(held, current, needs, preferred, lows, covered, capacity, threshold)
    if total < capacity:
        tops = [max(now, pref) if cover else need - 1
                for now, pref, need, cover in zip(held, preferred, needs, covered, strict=True)]
        return _grow(held, preferred, tops, capacity, threshold)
    return held


def _covered(
    current: Sequence[int], needs: Sequence[int], lows: Sequence[int], capacity: int
) -> list[bool]:
    if sum(needs) <= capacity:
        return [True] * len(needs)
    costs = [need - low for need, low in zip(needs, lows, strict=True)]
    # Covering a domain whose need is its minimum costs nothing: it always counts as covered.
    covered_now = [now >= need or need == low
                   for now, need, low in zip(current, needs, lows, strict=True)]
    return choose_covered(costs, capacity - sum(lows), covered_now)


def _shrink(
    held: list[int],
    current: Sequence[int],
    needs: Sequence[int],
    preferred: Sequence[int],
    lows: Sequence[int],
    covered: Sequence[bool],
    capacity: int,
    threshold: int,
) -> list[int]:
    """Take what is over the capacity in tiers, each only once the one before is used up:
    donors down to their preference, covered domains down to ``threshold`` above their need
    (a cushion against the next small rise), then to their need, then uncovered domains down to
    their minimum. Within a tier the highest share of preference gives first."""
    tiers = [held]
    donors = [min(now, pref) for now, pref in zip(held, preferred, strict=True)]
    tiers.append(donors)
    tiers.append([was if cover and 0 < now - was < threshold else now
                  for now, was, cover in zip(donors, current, covered, strict=True)])
    tiers.append([min(now, need + threshold) if cover else now
                  for now, need, cover in zip(donors, needs, covered, strict=True)])
    tiers.append([need if cover else now
                  for now, need, cover in zip(held, needs, covered, strict=True)])
    tiers.append([need if cover else low
                  for need, low, cover in zip(needs, lows, covered, strict=True)])
    for above, floors in itertools.pairwise(tiers):
        if sum(floors) <= capacity:
            return _fill(capacity, preferred, floors, above)
    raise AssertionError("unreachable: the covered needs and other minimums fit")  # pragma: no cover


def _grow(
    held: list[int], preferred: Sequence[int], tops: Sequence[int], capacity: int, threshold: int
) -> list[int]:
    grown = _fill(capacity, preferred, held, tops)
    return [now if target - now < threshold else target
            for now, target in zip(held, grown, strict=True)]


def _fill(total: int, weights: Sequence[int], lows: Sequence[int], highs: Sequence[int]
          ) -> list[int]:
    """``proportional_fill`` over the items that can move (the others keep their low)."""
    movable = [i for i, (low, high) in enumerate(zip(lows, highs, strict=True)) if low < high]
    result = list(lows)
    if not movable:
        return result
    fixed = sum(lows) - sum(lows[i] for i in movable)
    amounts = proportional_fill(
        total - fixed, [weights[i] for i in movable], [lows[i] for i in movable],
        [highs[i] for i in movable],
    )
    for index, amount in zip(movable, amounts, strict=True):
        result[index] = amount
    return result
