"""Which domains to keep covered (at or above their use) when not all of them can be.

Every domain gets at least its minimum; covering one costs ``need - min`` more. The most domains
are covered by taking the cheapest first. Among the ways to cover that many, the one keeping the
most of those covered now is chosen (the cheapest of them, then the cheapest of the others), so
coverage moves from one domain to another only when that covers more of them: memory then moves
only where it changes who is starved, and a choice, once applied, is chosen again.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, filterfalse


def choose_covered(costs: Sequence[int], budget: int, covered_now: Sequence[bool]) -> list[bool]:
    """``costs[i]`` (>= 0) is what covering item ``i`` takes from ``budget`` (>= 0).

    Returns, per item, whether it is covered: as many items as the budget allows, and among those
    choices the one with the most items of ``covered_now``. Deterministic: ties by index.
    """
    if budget < 0 or (costs and min(costs) < 0):
        raise ValueError("costs and budget must not be negative")
    order = sorted(range(len(costs)), key=costs.__getitem__)  # stable: ties by index
    count, left = 0, budget
    for index in order:  # the most coverable: the cheapest first
        left -= costs[index]
        if left < 0:
            break
        count += 1
    kept = list(filter(covered_now.__getitem__, order))
    others = list(filterfalse(covered_now.__getitem__, order))
    # Keep as many of the covered ones as possible: the largest feasible ``from_kept``. One exists:
    # the ``count`` cheapest items overall are a prefix of each group, so trading kept items for
    # others (cheapest first) never runs out of others before it fits.
    from_kept = min(count, len(kept))
    from_others = count - from_kept
    spent = sum(map(costs.__getitem__, kept[:from_kept]))
    spent += sum(map(costs.__getitem__, others[:from_others]))
    while spent > budget:
        from_kept -= 1
        spent += costs[others[from_others]] - costs[kept[from_kept]]
        from_others += 1
    covered = [False] * len(costs)
    for index in chain(kept[:from_kept], others[:from_others]):
        covered[index] = True
    return covered
