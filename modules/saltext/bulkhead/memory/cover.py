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
    count = _most_coverable(costs, budget)
    kept = sorted((cost, index) for index, cost in enumerate(costs) if covered_now[index])
    others = sorted((cost, index) for index, cost in enumerate(costs) if not covered_now[index])
    kept_sums = [0, *accumulate(cost for cost, _ in kept)]
    other_sums = [0, *accumulate(cost for cost, _ in others)]
    # Keep as many of the covered ones as possible: the largest feasible ``from_kept``. One exists:
    # the ``count`` cheapest items overall are a prefix of each group.
    for from_kept in range(min(count, len(kept)), -1, -1):
        from_others = count - from_kept
        if from_others > len(others):
            break
        if kept_sums[from_kept] + other_sums[from_others] <= budget:
            chosen = [index for _, index in kept[:from_kept] + others[:from_others]]
            covered = [False] * len(costs)
            for index in chosen:
                covered[index] = True
            return covered
    raise AssertionError("unreachable: the cheapest items always fit")  # pragma: no cover


def _most_coverable(costs: Sequence[int], budget: int) -> int:
    count = 0
    for cost in sorted(costs):
        if cost > budget:
            break
        budget -= cost
        count += 1
    return count
