import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.memory.share import level_fill, proportional_fill


def test_splits_in_proportion_to_weights():
    assert proportional_fill(600, [1, 2, 3], [0, 0, 0], [1000, 1000, 1000]) == [100, 200, 300]


def test_clamped_item_gives_its_share_to_the_others():
    # Item 0 would get 100 but may have only 40; the other two share the remaining 560 as 2:3.
    assert proportional_fill(600, [1, 2, 3], [0, 0, 0], [40, 1000, 1000]) == [40, 224, 336]


def test_low_bound_lifts_a_small_weight():
    assert proportional_fill(100, [1, 9], [30, 0], [100, 100]) == [30, 70]


def test_rounding_leftover_goes_to_largest_fractions():
    assert proportional_fill(10, [1, 1, 1], [0, 0, 0], [10, 10, 10]) == [4, 3, 3]


def test_outside_the_feasible_range_returns_the_nearest_end():
    assert proportional_fill(5, [1, 1], [10, 10], [20, 20]) == [10, 10]
    assert proportional_fill(500, [1, 1], [10, 10], [20, 20]) == [20, 20]


@pytest.mark.parametrize(
    "weights, lows, highs", [([0], [0], [1]), ([1], [2], [1]), ([1], [-1], [1])]
)
def test_rejects_invalid_items(weights, lows, highs):
    with pytest.raises(ValueError):
        proportional_fill(1, weights, lows, highs)


@st.composite
def problems(draw):
    count = draw(st.integers(1, 12))
    weights = draw(st.lists(st.integers(1, 10**7), min_size=count, max_size=count))
    lows = draw(st.lists(st.integers(0, 10**6), min_size=count, max_size=count))
    highs = [low + draw(st.integers(0, 10**6)) for low in lows]
    total = draw(st.integers(0, sum(highs) + 10**6))
    return total, weights, lows, highs


@settings(max_examples=300, deadline=None)
@given(problems())
def test_fill_is_exact_bounded_and_proportional(problem):
    total, weights, lows, highs = problem
    result = proportional_fill(total, weights, lows, highs)
    assert sum(result) == min(max(total, sum(lows)), sum(highs))
    assert all(low <= t <= high for t, low, high in zip(result, lows, highs, strict=True))
    # Items strictly inside their bounds share one level: amount/weight agree up to rounding by 1.
    inside = [i for i, t in enumerate(result) if lows[i] < t < highs[i]]
    for i in inside:
        for j in inside:
            assert (result[i] - 1) * weights[j] < (result[j] + 1) * weights[i]
    # An item held at its low bound is there because the level is below it, not above.
    for i, t in enumerate(result):
        for j in inside:
            if t == lows[i] < highs[i]:
                assert (result[j] - 1) * weights[i] < (lows[i] + 1) * weights[j]


def _level_fill_by_capping(total, weights, highs):
    """level_fill as it was before its one-pass shortcut: cap whoever reaches its high, again."""
    if total >= sum(highs):
        return list(highs)
    numerator, denominator, capped = total, sum(weights), set()
    while reaching := [i for i, (w, h) in enumerate(zip(weights, highs, strict=True))
                       if h * denominator <= w * numerator and i not in capped]:
        for i in reaching:
            capped.add(i)
            numerator -= highs[i]
            denominator -= weights[i]
    result = [highs[i] if i in capped else w * numerator // denominator
              for i, w in enumerate(weights)]
    uncapped = [i for i in range(len(weights)) if i not in capped]
    for i in uncapped[:total - sum(result)]:
        result[i] += 1
    return result


@st.composite
def plentiful(draw):
    """What the balancer meets when the preferences fit: weights <= highs, sum(weights) <= total."""
    count = draw(st.integers(1, 12))
    weights = draw(st.lists(st.integers(1, 500), min_size=count, max_size=count))
    highs = [w + draw(st.integers(0, 500)) for w in weights]
    return draw(st.integers(sum(weights), sum(highs) + 50)), weights, highs


@settings(max_examples=500, deadline=None)
@given(plentiful())
def test_level_fill_shares_as_capping_one_by_one(problem):
    total, weights, highs = problem
    result = level_fill(total, weights, highs)
    assert result == _level_fill_by_capping(total, weights, highs)
    assert sum(result) == min(total, sum(highs))
    assert all(w <= r <= h for w, r, h in zip(weights, result, highs, strict=True))
