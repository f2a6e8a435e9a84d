"""choose_covered: the most items the budget covers, keeping those covered now where it can."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.memory.cover import choose_covered
from saltext.bulkhead.memory.shortage import _most_covered


@st.composite
def problems(draw):
    count = draw(st.integers(1, 7))
    costs = draw(st.lists(st.integers(0, 50), min_size=count, max_size=count))
    now = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    return costs, draw(st.integers(0, 200)), now


@settings(max_examples=300, deadline=None)
@given(problems())
def test_covers_the_most_and_keeps_the_most_of_those_covered_now(problem):
    costs, budget, now = problem
    chosen = choose_covered(costs, budget, now)
    picked = [i for i, c in enumerate(chosen) if c]
    assert sum(costs[i] for i in picked) <= budget
    feasible = [
        subset
        for size in range(len(costs) + 1)
        for subset in itertools.combinations(range(len(costs)), size)
        if sum(costs[i] for i in subset) <= budget
    ]
    best = max(len(subset) for subset in feasible)
    assert len(picked) == best
    kept = max(sum(now[i] for i in subset) for subset in feasible if len(subset) == best)
    assert sum(now[i] for i in picked) == kept
    # Applied, the choice is chosen again.
    assert choose_covered(costs, budget, chosen) == chosen


def test_a_covered_domain_keeps_its_cover_against_an_equally_cheap_one():
    assert choose_covered([10, 10], 10, [False, True]) == [False, True]
    assert choose_covered([10, 10], 10, [False, False]) == [True, False]


@st.composite
def shortages(draw):
    """Domains (current size, need, minimum) whose needs may or may not fit the capacity."""
    count = draw(st.integers(1, 8))
    lows = draw(st.lists(st.integers(1, 40), min_size=count, max_size=count))
    needs = [low + draw(st.integers(0, 40)) for low in lows]
    current = draw(st.lists(st.integers(0, 100), min_size=count, max_size=count))
    return current, needs, lows, draw(st.integers(sum(lows), sum(needs) + 10))


@settings(max_examples=500, deadline=None)
@given(shortages())
def test_the_balancers_shortcut_chooses_as_choose_covered(shortage):
    # shortage._most_covered keeps the domains covered now without searching when they still fit
    # and nothing covers more; whatever it returns must be choose_covered's choice.
    current, needs, lows, capacity = shortage
    costs = [need - low for need, low in zip(needs, lows, strict=True)]
    now = [c >= n or n == lo for c, n, lo in zip(current, needs, lows, strict=True)]
    assert _most_covered(current, needs, lows, capacity) == choose_covered(
        costs, capacity - sum(lows), now)
