"""A domain's preferred memory: what it uses plus room for caches, within its bounds."""

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
