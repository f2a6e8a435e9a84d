"""The comparison point for the benchmark: plain proportional share.

Each domain gets ``capacity x used / total used``, clamped to its bounds; no cache factor, no
floor, no hysteresis, no redistribution of what clamping frees or takes, and every start is
admitted. It is what a first attempt at a balloon balancer looks like, and it is kept here only so
the simulator and the bench can measure bulkhead's balancer against it in the same run.
"""

from __future__ import annotations

from collections.abc import Sequence

from .admission import Admission
from .domain import DomainMemory


def proportional_targets(domains: Sequence[DomainMemory], capacity_kib: int) -> dict[str, int]:
    """Targets in proportion to used memory (unmanaged domains count what they have)."""
    used = [d.current_kib if d.used_kib is None else d.used_kib for d in domains]
    total = sum(used)
    targets: dict[str, int] = {}
    for domain, amount in zip(domains, used, strict=True):
        share = capacity_kib * amount // total if total else capacity_kib // len(domains)
        targets[domain.name] = min(max(share, domain.min_kib), domain.max_kib)
    return targets


def admit_always(need_kib: int) -> Admission:
    """The baseline starts every domain, whether or not the memory is there."""
    return Admission(granted=True, need_kib=need_kib)
