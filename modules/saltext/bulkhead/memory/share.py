"""Exact integer proportional sharing ("water-filling") under per-item bounds.

Both the balancer and the start-up admission need the same primitive: split a total among items in
proportion to weights, each item clamped to its own [low, high]. Doing it in integers (KiB) with an
exact rational level keeps the invariant ``sum(result) == total`` free of float rounding, which is
what guarantees the balancer never hands out more memory than exists.
"""

from __future__ import annotations

from collections.abc import Sequence

_AT_LOW, _FREE, _AT_HIGH = 0, 1, 2
_STARTS, _STOPS = 0, 1


def proportional_fill(
    total: int, weights: Sequence[int], lows: Sequence[int], highs: Sequence[int]
) -> list[int]:
    """Return ``t``: ``t[i] ≈ clamp(level * weights[i], lows[i], highs[i])``, ``sum(t) == total``.

    The level is the one real number that makes the clamped amounts add up to ``total``; amounts are
    then rounded down and the few KiB left over go, one each, to the unclamped items with the
    largest fractions (ties to the lower index), so every item stays within its bounds.
    When ``total`` is outside ``[sum(lows), sum(highs)]`` the nearest end is returned (all lows or
    all highs); callers that must not exceed ``total`` check ``sum(lows)`` themselves.
    """
    count = len(weights)
    if not len(lows) == len(highs) == count:
        raise ValueError("weights, lows and highs must have the same length")
    for weight, low, high in zip(weights, lows, highs, strict=True):
        if weight <= 0 or low < 0 or low > high:
            raise ValueError(f"invalid item: weight={weight} low={low} high={high}")
    if total >= sum(highs):
        return list(highs)
    if total <= sum(lows):
        return list(lows)

    # Sweep the level upwards. At level 0 every item sits at its low; at lows[i]/weights[i] it
    # starts growing with the level, at highs[i]/weights[i] it stops at its high. Between events
    # the sum is constant + level * free_weight, so the level reaching ``total`` is found exactly.
    constant = sum(lows)
    free_weight = 0
    state = [_AT_LOW] * count
    for numerator, denominator, kind, index in _events(weights, lows, highs):
        # constant + level * free_weight >= total, level = numerator / denominator, in integers.
        if constant * denominator + numerator * free_weight >= total * denominator:
            break
        if kind == _STARTS:
            constant -= lows[index]
            free_weight += weights[index]
            state[index] = _FREE
        else:
            constant += highs[index]
            free_weight -= weights[index]
            state[index] = _AT_HIGH

    # free_weight > 0 here: the sum is continuous in the level and total lies strictly inside
    # (sum(lows), sum(highs)), so the break happened while some item was growing.
    numerator = total - constant  # level == numerator / free_weight
    result: list[int] = []
    fractions: list[tuple[int, int]] = []
    for index in range(count):
        if state[index] == _FREE:
            amount, remainder = divmod(numerator * weights[index], free_weight)
            result.append(amount)
            fractions.append((-remainder, index))
        else:
            result.append(lows[index] if state[index] == _AT_LOW else highs[index])
    left_over = total - sum(result)
    fractions.sort()
    for _, index in fractions[:left_over]:
        result[index] += 1
    return result


def _events(
    weights: Sequence[int], lows: Sequence[int], highs: Sequence[int]
) -> list[tuple[int, int, int, int]]:
    """Breakpoints ``(numerator, denominator, kind, index)`` in exact ascending order of level.

    The level ``bound / weight`` is sorted by ``(bound << shift) // weight``: two different levels
    differ by at least ``1 / (w1 * w2)``, which the shift scales to at least 1, so the integer keys
    order them exactly and equal levels get equal keys. At equal levels an item starts before it
    stops.
    """
    shift = 2 * max(weights).bit_length()
    keyed = [((lows[i] << shift) // weights[i], _STARTS, i) for i in range(len(weights))]
    keyed += [((highs[i] << shift) // weights[i], _STOPS, i) for i in range(len(weights))]
    keyed.sort()
    return [
        (lows[index] if kind == _STARTS else highs[index], weights[index], kind, index)
        for _, kind, index in keyed
    ]


def level_fill(total: int, weights: Sequence[int], highs: Sequence[int]) -> list[int]:
    """``proportional_fill`` for the case the balancer meets when memory is plentiful: the lows
    are at most the weights and ``sum(weights) <= total``, so the level is >= 1 and no item sits
    at its low. No sort: items reaching their high at the current level are capped, which only
    raises the level (so the others capped with them would have been capped one by one too),
    until none is left (usually one pass). The few KiB left over by rounding go one each to the
    first uncapped items."""
    if total >= sum(highs):
        return list(highs)
    numerator, denominator = total, sum(weights)  # the level, as a fraction
    capped: set[int] = set()
    while True:
        reaching = [index for index, (weight, high) in enumerate(zip(weights, highs, strict=True))
                    if high * denominator <= weight * numerator and index not in capped]
        if not reaching:
            break
        for index in reaching:
            capped.add(index)
            numerator -= highs[index]
            denominator -= weights[index]
    if capped:
        result = [high if index in capped else weight * numerator // denominator
                  for index, (weight, high) in enumerate(zip(weights, highs, strict=True))]
    else:
        result = [weight * numerator // denominator for weight in weights]
    left = total - sum(result)
    index = 0
    while left:
        if index not in capped:
            result[index] += 1
            left -= 1
        index += 1
    return result
