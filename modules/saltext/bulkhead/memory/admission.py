"""Admission: can memory be freed for a domain that is about to start, without breaking a bound?

The daemon asks before a domain starts. Memory comes first from what is unassigned, then from
domains above their preference (in proportion to their excess). Running domains are never pushed
below their preference to make room: starting a domain must not starve the ones already working,
so when that is not enough the answer is no and nothing changes (never overcommit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .config import DEFAULT_CONFIG, BalancerConfig
from .domain import DomainMemory
from .preference import preferred_kib
from .share import proportional_fill


@dataclass(frozen=True, slots=True)
class Admission:
    """``granted``: the new domain may start with ``need_kib`` once ``targets`` are applied.

    ``targets`` holds new balloon targets only for domains that must shrink; it is empty when the
    request is refused or when free memory suffices. ``short_kib`` is how much was missing.
    """

    granted: bool
    need_kib: int
    targets: Mapping[str, int] = field(default_factory=dict)
    short_kib: int = 0


def request_memory(
    domains: Sequence[DomainMemory],
    capacity_kib: int,
    need_kib: int,
    config: BalancerConfig = DEFAULT_CONFIG,
) -> Admission:
    """Free ``need_kib`` for a new domain among the running ``domains`` within ``capacity_kib``."""
    if need_kib <= 0:
        raise ValueError("a new domain needs a positive amount of memory")
    free = capacity_kib - sum(d.current_kib for d in domains)
    if free >= need_kib:
        return Admission(granted=True, need_kib=need_kib)

    deficit = need_kib - free  # free may be negative if something else overcommitted
    donors = [d for d in domains if d.managed]
    excess = [max(0, d.current_kib - preferred_kib(d, config)) for d in donors]
    available = sum(excess)
    if available < deficit:
        return Admission(granted=False, need_kib=need_kib, short_kib=deficit - available)

    giving = [(d, e) for d, e in zip(donors, excess, strict=True) if e > 0]
    taken = proportional_fill(
        deficit, [e for _, e in giving], [0] * len(giving), [e for _, e in giving]
    )
    targets = {d.name: d.current_kib - t for (d, _), t in zip(giving, taken, strict=True) if t > 0}
    return Admission(granted=True, need_kib=need_kib, targets=targets)
