"""A domain's preferred memory (what it uses plus room for caches) and its need (what it uses)."""

from __future__ import annotations

import math

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

