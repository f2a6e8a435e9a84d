"""Before a domain starts: free memory within bounds, or say no (never overcommit)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.memory import DomainMemory, preferred_kib, request_memory

from .memory_strategies import MIB, configs, feasible


def domain(name, current_mib, used_mib, low=128, high=4096):
    return DomainMemory(name, low * MIB, high * MIB, current_mib * MIB, used_mib * MIB)


def test_free_memory_is_enough_and_nobody_moves():
    admission = request_memory([domain("a", 500, 100)], 1000 * MIB, 400 * MIB)
    assert admission.granted and admission.targets == {}


def test_takes_from_domains_above_preference_in_proportion_to_their_excess():
    # Preferences 130 and 260 MiB; excesses 370 and 240 MiB; 61 MiB are missing.
    running = [domain("a", 500, 100), domain("b", 500, 200)]
    admission = request_memory(running, 1000 * MIB, 61 * MIB)
    assert admission.granted
    taken = {name: 500 * MIB - kib for name, kib in admission.targets.items()}
    assert sum(taken.values()) == 61 * MIB
    assert taken["a"] * 240 == pytest.approx(taken["b"] * 370, rel=1e-4)


def test_refuses_rather_than_push_anyone_below_preference():
    running = [domain("a", 500, 300), domain("b", 500, 300)]  # preferences 390 each: 220 spare
    refused = request_memory(running, 1000 * MIB, 221 * MIB)
    assert not refused.granted and refused.targets == {} and refused.short_kib == 1 * MIB
    assert request_memory(running, 1000 * MIB, 220 * MIB).granted


def test_refuses_nonsense_requests():
    with pytest.raises(ValueError):
        request_memory([], 1000 * MIB, 0)


@settings(max_examples=250, deadline=None)
@given(feasible(), st.integers(1, 4096), configs)
def test_grant_fits_the_capacity_and_refusal_is_honest(problem, need_mib, config):
    running, capacity = problem
    need = need_mib * MIB
    admission = request_memory(running, capacity, need, config)
    after = {d.name: admission.targets.get(d.name, d.current_kib) for d in running}
    if admission.granted:
        assert sum(after.values()) + need <= capacity
        for d in running:
            if d.name in admission.targets:
                # Only shrinks, and never below the domain's preference (hence never below min).
                assert preferred_kib(d, config) <= admission.targets[d.name] < d.current_kib
    else:
        assert admission.targets == {}
        spare = sum(max(0, d.current_kib - preferred_kib(d, config)) for d in running if d.managed)
        free = capacity - sum(d.current_kib for d in running)
        assert free + spare < need
        assert admission.short_kib == need - free - spare
