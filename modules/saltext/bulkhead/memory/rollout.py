"""In which order, and how far, to move balloons towards new targets without overshooting the host.

A lowered balloon target is only a request: the guest gives its pages back over the next seconds,
while a raised one can be used at once. Setting both together lets the total held exceed the
capacity until the shrinking guests have caught up (seen with real guests: 493 MiB held in 448).
So shrinks go first and growth is limited to the capacity less what every domain holds now, the
shrinking ones at their present size; the rest of a growth follows at a later pass, once the
shrinking balloons have really freed memory. Pure: the daemon sets what this returns.
"""

from __future__ import annotations

from collections.abc import Mapping

PAGE_KIB = 4
"""A balloon holds whole guest pages and rounds a target up to one."""


def rollout(
    wanted: Mapping[str, int], current: Mapping[str, int], floor: Mapping[str, int],
    capacity_kib: int | None,
) -> list[tuple[str, int]]:
    """The targets to set now, in order: every shrink in full, then growth within what is free.

    ``capacity_kib`` None: no growth limit (admission only ever shrinks). A growth that nothing
    free can serve yet is left out; the caller's next pass grows it.
    """
    targets = {n: whole_pages(k, floor[n]) for n, k in wanted.items()}
    headroom = None if capacity_kib is None else capacity_kib - sum(current.values())
    moves = sorted(
        (n for n in targets if targets[n] != current[n]), key=lambda n: targets[n] - current[n]
    )
    plan = []
    for name in moves:
        target = targets[name]
        if target > current[name] and headroom is not None:
            grow = min(target - current[name], max(0, headroom))
            target = current[name] + grow - grow % PAGE_KIB
            if target <= current[name]:
                continue
            headroom -= target - current[name]
        plan.append((name, target))
    return plan


def whole_pages(kib: int, min_kib: int) -> int:
    """Rounded down to a page, which never takes the total past the capacity, unless that would go
    below the minimum (then the minimum rounded up)."""
    down = kib - kib % PAGE_KIB
    return down if down >= min_kib else min_kib + (-min_kib % PAGE_KIB)
