"""Which domains to keep covered (at or above their use) when not all of them can be.

Every domain gets at least its minimum; covering one costs ``need - min`` more. The most domains
are covered by taking the cheapest first. Among the ways to cover that many, the one keeping the
most of those covered now is chosen (the cheapest of them, then the cheapest of the others), so
coverage moves from one domain to another only when that covers more of them: memory then moves
only where it changes who is starved, and a choice, once applied, is chosen again.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate, chain, compress, filterfalse


def choose_covered(costs: Sequence[int], budget: int, covered_now: Sequence[bool]) -> list[bool]:
    """``costs[i]`` (>= 0) is what covering item ``i`` takes from ``budget`` (>= 0).

    Returns, per item, whether it is covered: as many items as the budget allows, and among those
    choices the one with the most items of ``covered_now``. Deterministic: ties by index.
    """
    if budget < 0 or (costs and min(costs) < 0):
        raise ValueError("costs and budget must not be negative")
    count = bisect_right(list(accumulate(sorted(costs))), budget)  # the cheapest first
    if sum(covered_now) == count and sum(compress(costs, covered_now)) <= budget:
        return list(covered_now)  # the choice stands (as after it was applied)
    by_cost = costs.__getitem__  # sorts are stable: ties by index
    kept = list(compress(range(len(costs)), covered_now))
    spent = sum(map(by_cost, kept))
    kept.sort(key=by_cost)
    others = sorted(filterfalse(covered_now.__getitem__, range(len(costs))), key=by_cost)
    # Keep as many of the covered ones as possible: the largest feasible ``from_kept``. One exists:
    # the ``count`` cheapest items overall are a prefix of each group, so trading kept items for
    # others (cheapest first) never runs out of others before it fits.
    from_kept = min(count, len(kept))
    from_others = count - from_kept
    if from_kept < len(kept):
        spent = sum(map(by_cost, kept[:from_kept]))
    spent += sum(map(by_cost, others[:from_others]))
    while spent > budget:
        from_kept -= 1
        spent += costs[others[from_others]] - costs[kept[from_kept]]
        from_others += 1
    covered = [False] * len(costs)
    for index in chain(kept[:from_kept], others[:from_others]):
        covered[index] = True
    return covered
