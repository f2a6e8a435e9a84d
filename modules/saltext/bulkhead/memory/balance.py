"""The balancer: from every running domain's memory use, the balloon target of each.

With enough memory (the preferences fit) each managed domain gets ``clamp(level x preference,
min, max)``, one level >= 1 for all filling the capacity: everyone has its preference and the
spare is spread in proportion to preference up to each maximum; small moves are then suppressed by
hysteresis (``hysteresis.py``). When short, use is covered first and the cache bonus comes only
from what is left (``shortage.py``): a domain below its use swaps, one below its preference only
has less cache.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import NamedTuple

from .config import DEFAULT_CONFIG, BalancerConfig
from .domain import DomainMemory
from .hysteresis import hold_small_changes
from .share import level_fill
from .shortage import short_targets


class InsufficientMemory(Exception):
    """The running domains' minimums (plus unmanaged domains) exceed the capacity.

    The balancer cannot fix this without breaking a bound; the caller must not start more domains
    and should report it. No targets are proposed, so nothing can be applied by mistake.
    """

    def __init__(self, needed_kib: int, capacity_kib: int) -> None:
        super().__init__(
            f"running domains need at least {needed_kib} KiB "
            f"but only {capacity_kib} KiB are available"
        )
        self.needed_kib = needed_kib
        self.capacity_kib = capacity_kib


class Decision(NamedTuple):
    """Balloon targets (KiB) for every running domain, and the preferences behind them.

    Immutable. A named tuple rather than a frozen dataclass, and the preferences kept as two
    sequences until asked for: the balancer runs every few seconds, its caller needs only the
    targets, and building those was a tenth of a decision's time for ten domains.
    """

    targets: dict[str, int]
    short: bool
    """True when the preferences did not all fit: use was covered first (``shortage.py``)."""
    managed: Sequence[str]
    """The domains with guest statistics, in order; ``preferred`` holds their preferences."""
    preferred: Sequence[int]

    @property
    def preferences(self) -> dict[str, int]:
        """Each domain's preference; an unmanaged domain prefers what it has (its target)."""
        preferences = dict(self.targets)
        preferences.update(zip(self.managed, self.preferred, strict=True))
        return preferences

    def changes(self, domains: Sequence[DomainMemory]) -> dict[str, int]:
        """The targets that differ from the domains' current sizes: what the daemon must set."""
        targets = self.targets
        return {d.name: targets[d.name] for d in domains if targets[d.name] != d.current_kib}


_new_decision = partial(tuple.__new__, Decision)
"""``Decision(...)`` without the named tuple's own ``__new__`` in Python: a tenth of a microsecond,
a percent of a decision for ten domains."""


def balance(
    domains: Sequence[DomainMemory], capacity_kib: int, config: BalancerConfig = DEFAULT_CONFIG
) -> Decision:
    """Compute the targets. ``capacity_kib`` is the memory all running domains may have together:
    the host's memory for guests less its reserve. The targets never add up to more than it.
    """
    # One pass over the domains (the balancer's hot loop: no call per domain but list appends,
    # which the interpreter specializes).
    factor, floor, ceil = config.cache_factor, config.floor_kib, math.ceil
    names, current, lows, highs, preferred, needs = [], [], [], [], [], []
    kept: dict[str, int] = {}  # unmanaged domains keep their size
    for domain in domains:
        used = domain.used_kib
        if used is None:
            kept[domain.name] = domain.current_kib
            continue
        low, high, overhead = domain.min_kib, domain.max_kib, domain.overhead_kib
        names.append(domain.name)
        current.append(domain.current_kib)
        lows.append(low)
        highs.append(high)
        wanted = overhead + ceil(used * factor)
        wanted = floor if wanted < floor else wanted
        preferred.append(low if wanted < low else high if wanted > high else wanted)
        need = overhead + used
        needs.append(low if need < low else high if need > high else need)
    capacity = capacity_kib - sum(kept.values()) if kept else capacity_kib
    needed = sum(lows)
    if needed > capacity:
        _unique(domains)
        raise InsufficientMemory(capacity_kib - capacity + needed, capacity_kib)

    short = sum(preferred) > capacity
    if short:
        targets = short_targets(current, needs, preferred, lows, highs, capacity,
                                config.threshold_kib)
    else:
        ideal = level_fill(capacity, preferred, highs)
        targets = hold_small_changes(ideal, current, preferred, lows, highs, capacity,
                                     config.threshold_kib, config.band)
    if kept:
        kept.update(zip(names, targets, strict=True))
        result = kept
    else:
        result = dict(zip(names, targets, strict=True))
    if len(result) != len(domains):  # a name given twice (the dict holds each once)
        _unique(domains)
    return _new_decision((result, short, names, preferred))


def _unique(domains: Sequence[DomainMemory]) -> None:
    names = [d.name for d in domains]
    if len(set(names)) != len(names):
        duplicates = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"duplicate domain names: {duplicates}")
