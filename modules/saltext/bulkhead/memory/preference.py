"""A domain's preferred memory (what it uses plus room for caches) and its need (what it uses)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .config import BalancerConfig
from .domain import DomainMemory


def preferred_kib(domain: DomainMemory, config: BalancerConfig) -> int:
    """``clamp(max(overhead + ceil(used x cache_factor), floor), min, max)``.

    The overhead counts because a balloon target sizes the whole guest, kernel included: without
    it a guest "at its preference" had ``0.3 x used - 53 MiB`` free, which is nothing for a small
    guest (a real TCG guest filling a tmpfs sat there and never grew).

    An unmanaged domain (no guest statistics) prefers what it has.

    Never zero: the result is at least ``min_kib`` or the floor, which ``DomainMemory`` and
    ``BalancerConfig`` keep positive, so preferences can serve as sharing weights.
    """
    if domain.used_kib is None:
        return domain.current_kib
    wanted = max(domain.overhead_kib + math.ceil(domain.used_kib * config.cache_factor),
                 config.floor_kib)
    return min(max(wanted, domain.min_kib), domain.max_kib)


def needed_kib(domain: DomainMemory) -> int:
    """What a managed domain uses, kernel included, within its bounds: below it, it is starved."""
    assert domain.used_kib is not None
    return min(max(domain.overhead_kib + domain.used_kib, domain.min_kib), domain.max_kib)


def preferences_and_needs(
    managed: Sequence[DomainMemory], config: BalancerConfig
) -> tuple[list[int], list[int]]:
    """``preferred_kib`` and ``needed_kib`` of every managed domain, in one pass (the balancer's
    hot loop: the same formulas, without a call per domain)."""
    factor, floor = config.cache_factor, config.floor_kib
    preferred: list[int] = []
    needs: list[int] = []
    for domain in managed:
        low, high, overhead, used = (domain.min_kib, domain.max_kib, domain.overhead_kib,
                                     domain.used_kib)
        assert used is not None
        wanted = overhead + math.ceil(used * factor)
        wanted = floor if wanted < floor else wanted
        preferred.append(low if wanted < low else high if wanted > high else wanted)
        need = overhead + used
        needs.append(low if need < low else high if need > high else need)
    return preferred, needs
