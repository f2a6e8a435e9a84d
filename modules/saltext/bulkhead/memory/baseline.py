"""The comparison point for the benchmark: a balancer written from Qubes' qmemman design.

Written from qmemman's published design (qubes-core-admin, ``qubes/qmemman``), not its code:

- preference: ``used x 1.3``, at least 200 MiB, at most the maximum (qmemman's ``used`` excludes
  the kernel's own memory, so neither does this; the replay's bounds apply to every strategy, so the
  preference is also kept at or above the domain's minimum);
- enough memory (preferences fit in what is free plus what donors hold above theirs): everyone gets
  its preference plus a share of the spare in proportion to it; what a maximum cuts off is split
  evenly among the others;
- short: every donor (above its preference by at least 10 MiB) comes down to its preference and
  what that frees, with the free memory, goes to the others in proportion to their preferences,
  added to what they have (nobody below its preference is ever reduced);
- a decision is applied only when significant: someone below its preference gains more than
  15 MiB, or the memory moved plus the free memory exceed 150 MiB, or memory is overcommitted;
- a start takes what is free, then from donors in proportion to their excess (5 % more, a safety
  net), and is refused when the donors' excess is not enough.

Floats, as in the design, with its rounding guard (targets are 0.999 of the exact amount, so an
acceptor loses 0.1 % of what it has); targets are floored to whole KiB.
"""

from __future__ import annotations

from collections.abc import Sequence

from .admission import Admission
from .domain import KIB_PER_MIB, DomainMemory

CACHE_FACTOR = 1.3
MIN_PREFERENCE_KIB = 200 * KIB_PER_MIB
SMALL_DONATION_KIB = 10 * KIB_PER_MIB
SIGNIFICANT_RAISE_KIB = 15 * KIB_PER_MIB
SIGNIFICANT_TOTAL_KIB = 150 * KIB_PER_MIB
SAFETY_NET = 1.05
ROUNDING_GUARD = 0.999


def qmemman_preference(domain: DomainMemory) -> int:
    if domain.used_kib is None:
        return domain.current_kib
    wanted = max(int(domain.used_kib * CACHE_FACTOR), MIN_PREFERENCE_KIB)
    return min(max(wanted, domain.min_kib), domain.max_kib)


def qmemman_targets(domains: Sequence[DomainMemory], capacity_kib: int) -> dict[str, int]:
    """One balancing decision; unchanged sizes when the design finds the change insignificant."""
    current = {d.name: d.current_kib for d in domains}
    managed = [d for d in domains if d.managed]
    free = capacity_kib - sum(current.values())
    prefs = {d.name: qmemman_preference(d) for d in managed}
    available = free - sum(prefs[d.name] - d.current_kib for d in managed)
    enough = available > 0
    proposed = _enough(managed, prefs, available) if enough else _short(managed, prefs, free)
    if not _significant(managed, prefs, proposed, free):
        return current
    for domain in managed:
        if domain.name in proposed:
            current[domain.name] = min(max(proposed[domain.name], domain.min_kib), domain.max_kib)
    return current


def _enough(managed: Sequence[DomainMemory], prefs: dict[str, int], available: int
            ) -> dict[str, int]:
    total_pref = sum(prefs.values())
    targets = {}
    left = 0.0
    for domain in managed:
        target = ROUNDING_GUARD * prefs[domain.name] * (1.0 + available / total_pref)
        if target > domain.max_kib:
            left += target - domain.max_kib
            target = domain.max_kib
        targets[domain.name] = target
    # What maxima cut off, split evenly among the domains still below theirs, until none is left.
    growing = [d for d in managed if targets[d.name] < d.max_kib]
    while left >= 1.0 and growing:
        bonus, left = left / len(growing), 0.0
        for domain in growing:
            targets[domain.name] += ROUNDING_GUARD * bonus
            if targets[domain.name] > domain.max_kib:
                left += targets[domain.name] - domain.max_kib
                targets[domain.name] = domain.max_kib
        growing = [d for d in growing if targets[d.name] < d.max_kib]
    return {name: int(target) for name, target in targets.items()}


def _short(managed: Sequence[DomainMemory], prefs: dict[str, int], free: int) -> dict[str, int]:
    targets: dict[str, int] = {}
    squeezed = free
    acceptors = []
    for domain in managed:
        excess = domain.current_kib - prefs[domain.name]
        if excess > 0 or domain.current_kib >= domain.max_kib:
            if excess >= SMALL_DONATION_KIB:  # smaller excesses are not worth asking for
                squeezed += excess
                targets[domain.name] = prefs[domain.name]
        else:
            acceptors.append(domain)
    if squeezed < 0:  # overcommitted: the donors alone cannot fix it
        return targets
    total_pref = sum(prefs[d.name] for d in acceptors)
    for domain in acceptors:
        share = squeezed * prefs[domain.name] / total_pref
        targets[domain.name] = min(int(ROUNDING_GUARD * (domain.current_kib + share)),
                                   domain.max_kib)
    return targets


def _significant(managed: Sequence[DomainMemory], prefs: dict[str, int],
                 proposed: dict[str, int], free: int) -> bool:
    if free < -SIGNIFICANT_RAISE_KIB:
        return True
    moved = 0
    for domain in managed:
        change = proposed.get(domain.name, domain.current_kib) - domain.current_kib
        moved += abs(change)
        if domain.current_kib < prefs[domain.name] and change > SIGNIFICANT_RAISE_KIB:
            return True
    return moved + abs(free) > SIGNIFICANT_TOTAL_KIB


def qmemman_admission(domains: Sequence[DomainMemory], capacity_kib: int,
                      need_kib: int) -> Admission:
    """Free ``need_kib`` from what is free, then from donors in proportion to their excess."""
    free = capacity_kib - sum(d.current_kib for d in domains)
    if free >= need_kib:
        return Admission(granted=True, need_kib=need_kib)
    missing = need_kib - free
    excess = {d.name: d.current_kib - qmemman_preference(d) for d in domains if d.managed}
    donors = {name: kib for name, kib in excess.items() if kib > 0}
    offered = sum(donors.values())
    if offered < missing:
        return Admission(granted=False, need_kib=need_kib, short_kib=missing - offered)
    by_name = {d.name: d for d in domains}
    targets = {}
    for name, kib in donors.items():
        domain = by_name[name]
        target = int(domain.current_kib - kib * missing / offered * SAFETY_NET)
        targets[name] = max(target, domain.min_kib)
    return Admission(granted=True, need_kib=need_kib, targets=targets)
