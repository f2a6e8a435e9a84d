"""Targets when the preferences do not fit: cover use first, then hand out the cache bonus.

A domain below its use plus its kernel's overhead (its *need*) swaps or meets the OOM killer; one
between its need and its preference only has less page cache. So when short:

1. every domain is covered (kept at or above its need) when the needs fit; otherwise as many as
   possible (``cover.py``), the others get between their minimum and just below their need;
2. every domain stays where it is within that range (a donor above its preference included); a
   covered domain whose use rose above its size is raised to ``threshold`` above its need (within
   its preference), a cushion so that the next small rise moves nothing;
3. what is over the capacity is taken in tiers, each only once the one before is used up: donors
   down to their preference, then uncovered domains towards their minimum (they are starved
   either way), then covered domains down to their need; within a tier each gives the same share
   of what it can give;
4. what is free is handed out, uncovered domains first (up to just below their need), then
   covered ones (up to their preference), each the same share of its room; a domain with less
   room than ``threshold`` gets nothing (the memory stays free).

Memory thus moves only where a range demands it or the capacity is exceeded. No one below its
preference gives anything while a donor is above its own. The result depends only on the inputs,
and once applied it is chosen again (idempotent).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import add, ge, not_, or_, sub

from .cover import choose_covered


def short_targets(
    current: Sequence[int],
    needs: Sequence[int],
    preferred: Sequence[int],
    lows: Sequence[int],
    highs: Sequence[int],
    capacity: int,
    threshold: int,
) -> list[int]:
    """``lows[i] <= needs[i] <= preferred[i] <= highs[i]`` and
    ``sum(lows) <= capacity < sum(preferred)``; the result sums to at most ``capacity``."""
    if sum(needs) <= capacity:
        covered: list[bool | None] = [True] * len(needs)
    else:
        covered = _most_covered(current, needs, lows, capacity)  # type: ignore[assignment]
    held: list[int] = []
    spare = 0  # what donors and uncovered domains could give without touching a covered one's need
    for now, need, pref, low, high, cover in zip(
            current, needs, preferred, lows, highs, covered, strict=True):
        if cover:
            if now < need:
                now = need + threshold
                now = pref if now > pref else now
            elif now > high:
                now = high
            if now > pref:
                spare += now - pref
        else:
            now = need - 1 if now >= need else low if now < low else now
            spare += now - low
        held.append(now)
    total = sum(held)
    if total - spare > capacity:
        total = _leave_jumps(held, current, needs, lows, covered, threshold, total)
    if total > capacity:
        return _shrink(held, needs, preferred, lows, covered, total - capacity)
    if total < capacity:
        return _grow(held, needs, preferred, covered, capacity - total, threshold)
    return held


def _leave_jumps(
    held: list[int],
    current: Sequence[int],
    needs: Sequence[int],
    lows: Sequence[int],
    covered: list[bool | None],
    threshold: int,
    total: int,
) -> int:
    """Covering every domain would take other covered domains' cache: a domain whose use jumped
    by more than half its size (and ``threshold``) is then left where it is, uncovered, neither
    fed nor squeezed (``covered`` becomes ``None``). A burst covered from everyone's cache moves
    it twice (in and out) and usually ends within a few steps. Updates ``held`` and ``covered``;
    returns the new total."""
    for index, now in enumerate(current):
        if not covered[index]:
            continue
        low = lows[index]
        now = low if now < low else now
        jump = now >> 1
        if needs[index] - now > (threshold if threshold > jump else jump):
            covered[index] = None
            total += now - held[index]
            held[index] = now
    return total


def _most_covered(
    current: Sequence[int], needs: Sequence[int], lows: Sequence[int], capacity: int
) -> list[bool]:
    """The needs do not all fit: cover as many as can be, keeping those covered now."""
    costs = list(map(sub, needs, lows))
    # Covering a domain whose need is its minimum costs nothing: it always counts as covered.
    covered_now = list(map(or_, map(ge, current, needs), map(not_, costs)))
    return choose_covered(costs, capacity - sum(lows), covered_now)


def _shrink(
    held: list[int],
    needs: Sequence[int],
    preferred: Sequence[int],
    lows: Sequence[int],
    covered: Sequence[bool | None],
    excess: int,
) -> list[int]:
    """Take ``excess`` in tiers, each only once the one before is used up: donors to their
    preference, uncovered domains to their minimum, covered ones to their need (which fits:
    ``choose_covered`` saw to it; a jump left uncovered stays below the need it was counted with).
    Within a tier each gives the same share of what it can give (its room)."""
    room = [now - pref if now > pref else 0 for now, pref in zip(held, preferred, strict=True)]
    available = sum(room)
    if available >= excess:
        return _spread(held, room, -excess, available)
    excess -= available
    above = list(map(sub, held, room))
    room = [now - low if cover is False and now > low else 0
            for now, low, cover in zip(above, lows, covered, strict=True)]
    available = sum(room)
    if available >= excess:
        return _spread(above, room, -excess, available)
    excess -= available
    above = list(map(sub, above, room))
    room = [now - need if cover and now > need else 0
            for now, need, cover in zip(above, needs, covered, strict=True)]
    available = sum(room)
    if available >= excess:
        return _spread(above, room, -excess, available)
    raise AssertionError("unreachable: the covered needs and other minimums fit")  # pragma: no cover


def _grow(
    held: list[int],
    needs: Sequence[int],
    preferred: Sequence[int],
    covered: Sequence[bool | None],
    free: int,
    threshold: int,
) -> list[int]:
    """Hand out ``free``: uncovered domains first, then covered ones (not a jump left uncovered);
    rooms under ``threshold`` are left alone (so once applied, nothing is left that the next call
    would hand out)."""
    threshold = threshold if threshold > 0 else 1
    for cover_tier in (False, True):
        room = []
        for now, need, pref, cover in zip(held, needs, preferred, covered, strict=True):
            gap = ((pref if cover else need - 1) - now) if cover is cover_tier else 0
            room.append(gap if gap >= threshold else 0)
        available = sum(room)
        if available:
            given = free if free < available else available
            held = _spread(held, room, given, available)
            free -= given
            if not free:
                break
    return held


def _spread(base: list[int], room: list[int], amount: int, available: int) -> list[int]:
    """Move ``abs(amount)`` (<= ``available == sum(room)``) into (amount > 0) or out of the items,
    each by the same share of its ``room``, in exact integers: shares are rounded down and the few
    KiB left go one each to the first items that still have room."""
    sign, move = (1, add) if amount > 0 else (-1, sub)
    amount *= sign
    if amount == available:
        return list(map(move, base, room))
    parts = [gap * amount // available for gap in room]
    result = list(map(move, base, parts))
    left = amount - sum(parts)
    index = 0
    while left:
        if parts[index] < room[index]:
            result[index] += sign
            left -= 1
        index += 1
    return result
