"""Which domains to keep covered (at or above their use) when not all of them can be.

Every domain gets at least its minimum; covering one costs ``need - min`` more. The most domains
are covered by taking the cheapest first. Among the ways to cover that many, the one keeping the
most of those covered now is chosen (the cheapest of them, then the cheapest of the others), so
coverage moves from one domain to another only when that covers more of them: memory then moves
only where it changes who is starved, and a choice, once applied, is chosen again.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate


def choose_covered(costs: Sequence[int], budget: int, covered_now: Sequence[bool]) -> list[bool]:
    """``costs[i]`` (>= 0) is what covering item ``i`` takes from ``budget`` (>= 0).

    Returns, per item, whether it is covered: as many items as the budget allows, and among those
    choices the one with the most items of ``covered_now``. Deterministic: ties by index.
    """
    if budget < 0 or any(cost < 0 for cost in costs):
        raise ValueError("costs and budget must not be negative")
    order = sorted(range(len(costs)), key=costs.__getitem__)  # stable: ties by index
    count = _most_coverable([costs[index] for index in order], budget)
    kept = [index for index in order if covered_now[index]]
    others = [index for index in order if not covered_now[index]]
    kept_sums = [0, *accumulate(costs[index] for index in kept)]
    other_sums = [0, *accumulate(costs[index] for index in others)]
    # Keep as many of the covered ones as possible: the largest feasible ``from_kept``. One exists:
    # the ``count`` cheapest items overall are a prefix of each group.
    for from_kept in range(min(count, len(kept)), -1, -1):
        from_others = count - from_kept
        if from_others > len(others):
            break
        if kept_sums[from_kept] + other_sums[from_others] <= budget:
            covered = [False] * len(costs)
            for index in kept[:from_kept] + others[:from_others]:
                covered[index] = True
            return covered
    raise AssertionError("unreachable: the cheapest items always fit")  # pragma: no cover


def _most_coverable(ascending: Sequence[int], budget: int) -> int:
    count = 0
    for cost in ascending:
        if cost > budget:
            break
        budget -= cost
        count += 1
    return count
