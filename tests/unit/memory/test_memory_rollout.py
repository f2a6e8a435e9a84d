"""rollout: balloons move towards the balancer's targets without the total ever passing the
capacity, even while shrinking guests have not yet given anything back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.memory import balance
from saltext.bulkhead.memory.rollout import PAGE_KIB, rollout, whole_pages

from .memory_strategies import MIB, feasible

PROPERTY = settings(max_examples=150, deadline=None)


def _sizes(draw_domains):
    running, capacity = draw_domains
    current = {
        d.name: d.current_kib - d.current_kib % PAGE_KIB for d in running
    }  # QEMU reports pages
    floor = {d.name: d.min_kib for d in running}
    return running, capacity, current, floor


@PROPERTY
@given(feasible())
def test_the_total_never_passes_the_capacity_while_shrinks_lag(case):
    running, capacity, current, floor = _sizes(case)
    wanted = balance(running, capacity).targets
    held = dict(current)
    before = sum(held.values())
    for name, target in rollout(wanted, current, floor, capacity):
        # worst case: shrinking guests have given nothing back yet, growing ones use it all at once
        held[name] = max(held[name], target)
        assert sum(held.values()) <= max(capacity, before)


@PROPERTY
@given(feasible())
def test_shrinks_come_first_in_full_and_growth_never_passes_the_target(case):
    running, capacity, current, floor = _sizes(case)
    wanted = balance(running, capacity).targets
    plan = rollout(wanted, current, floor, capacity)
    grows = [target > current[name] for name, target in plan]
    assert grows == sorted(grows), "a growth before a shrink"
    for name, target in plan:
        full = whole_pages(wanted[name], floor[name])
        if target < current[name]:
            assert target == full
        else:
            assert current[name] < target <= full and target % PAGE_KIB == current[name] % PAGE_KIB


@PROPERTY
@given(feasible())
def test_once_the_shrinking_guests_caught_up_the_next_pass_completes_the_growth(case):
    running, capacity, current, floor = _sizes(case)
    wanted = balance(running, capacity).targets
    first = dict(current)
    first.update(rollout(wanted, current, floor, capacity))  # every balloon reached its target
    second = dict(first)
    second.update(rollout(wanted, first, floor, capacity))
    full = {n: whole_pages(wanted[n], floor[n]) for n in wanted}
    if sum(full.values()) + sum(v for n, v in current.items() if n not in wanted) <= capacity:
        assert {n: second[n] for n in wanted} == full


@given(st.integers(0, 1 << 30), st.integers(1, 1 << 20).map(lambda m: m * MIB))
def test_whole_pages_rounds_down_but_not_below_the_minimum(kib, min_kib):
    rounded = whole_pages(kib, min_kib)
    assert rounded % PAGE_KIB == 0 and rounded >= min_kib
    assert rounded <= kib or rounded == min_kib


def test_without_a_capacity_every_move_is_made_in_full():
    assert rollout({"a": 100 * MIB, "b": 300 * MIB}, {"a": 200 * MIB, "b": 200 * MIB},
                   {"a": 64 * MIB, "b": 64 * MIB}, None) == [("a", 100 * MIB), ("b", 300 * MIB)]
    # the same with a capacity already full: the growth waits for the shrink to happen
    assert rollout({"a": 100 * MIB, "b": 300 * MIB}, {"a": 200 * MIB, "b": 200 * MIB},
                   {"a": 64 * MIB, "b": 64 * MIB}, 400 * MIB) == [("a", 100 * MIB)]
