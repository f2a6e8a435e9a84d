"""The simulator's accounting, checked on traces small enough to work out by hand."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from saltext.bulkhead.memory.simulate import simulate
from saltext.bulkhead.memory.strategy import BulkheadStrategy, QmemmanStrategy, make_strategy
from saltext.bulkhead.memory.trace import Trace
from saltext.bulkhead.memory.tracegen import generate_trace


def trace(domains, steps, host=1500, reserve=500):
    return Trace.model_validate(
        {
            "host_mib": host,
            "reserve_mib": reserve,
            "domains": domains,
            "steps": [{"used_mib": s} for s in steps],
        }
    )


def test_qmemman_replay_matches_the_hand_computed_metrics():
    # Capacity 1000 MiB, preferences max(1.3 x used, 200) within [100, 800|1000].
    #   0: a, b start at 200 (free 600); enough: each 0.999 x 200 x (1 + 600/400) = 499.5 MiB
    #   1: a uses 300 (pref 390): enough again, a 0.999 x 390 x 1000/590, b 0.999 x 200 x 1000/590
    replay = trace(
        {
            "a": {"min_mib": 100, "max_mib": 800, "initial_mib": 200},
            "b": {"min_mib": 100, "max_mib": 1000, "initial_mib": 200},
        },
        [{"a": 100, "b": 100}, {"a": 300, "b": 100}],
    )
    report = simulate(replay, QmemmanStrategy()).report()
    a1 = int(0.999 * 390 * 1024 * (1 + (1000 - 390 - 200) / 590))
    b1 = int(0.999 * 200 * 1024 * (1 + (1000 - 390 - 200) / 590))
    step0 = 2 * (int(0.999 * 200 * 1024 * 2.5) - 200 * 1024)
    step1 = abs(a1 - int(0.999 * 200 * 1024 * 2.5)) + abs(b1 - int(0.999 * 200 * 1024 * 2.5))
    assert (report["adjustments"], report["oscillations"], report["overcommitted_steps"]) == (
        4, 1, 0)
    assert report["mib_moved"] == round((step0 + step1) / 1024, 3)
    assert report["below_preference_domain_steps"] == 0


def test_every_domain_runs_even_when_its_start_is_refused():
    replay = trace(REFUSAL, [{"a": 700}, {"a": 700, "b": 10}, {"a": 700, "b": 10}])
    report = simulate(replay, BulkheadStrategy(), every_domain_runs=True).report()
    assert (report["starts"], report["refused_starts"], report["domain_steps"]) == (2, 1, 5)
    assert report["overcommitted_steps"] == 0


REFUSAL = {
    "a": {"min_mib": 600, "max_mib": 1000, "initial_mib": 600},
    "b": {"min_mib": 300, "max_mib": 1000, "initial_mib": 300},
}


def test_bulkhead_refuses_a_start_that_the_baseline_overcommits_for():
    # a grows to its max (1000 MiB, preference 910); b needs 300 MiB but a can spare only 90.
    replay = trace(REFUSAL, [{"a": 700}, {"a": 700, "b": 10}, {"a": 700, "b": 10}])
    ours = simulate(replay, BulkheadStrategy()).report()
    assert (ours["starts"], ours["refused_starts"], ours["overcommitted_steps"]) == (1, 2, 0)
    assert ours["domain_steps"] == 3  # b never ran
    theirs = simulate(replay, QmemmanStrategy()).report()  # a, at its maximum, has no excess
    assert (theirs["starts"], theirs["refused_starts"], theirs["overcommitted_steps"]) == (1, 2, 0)


def test_refused_domain_starts_once_memory_is_freed():
    # At step 2 a uses less: its preference falls to its minimum (600), so it can spare 400.
    replay = trace(REFUSAL, [{"a": 700}, {"a": 700, "b": 10}, {"a": 300, "b": 10}])
    report = simulate(replay, BulkheadStrategy()).report()
    assert (report["starts"], report["refused_starts"], report["domain_steps"]) == (2, 1, 4)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 8), st.integers(1, 40), st.integers(0, 10**6), st.floats(0.0, 0.9))
def test_bulkhead_never_overcommits_on_generated_traces(domains, steps, seed, short_share):
    report = simulate(
        generate_trace(domains, steps, seed, short_share), make_strategy("bulkhead")
    ).report()
    assert report["overcommitted_steps"] == 0
    assert report["decisions"] <= report["steps"] == steps


@pytest.mark.parametrize(
    "document, message",
    [
        ({"host_mib": 100, "reserve_mib": 100, "domains": {}, "steps": []}, "reserve_mib"),
        (
            {
                "host_mib": 900,
                "reserve_mib": 1,
                "domains": {},
                "steps": [{"used_mib": {"ghost": 1}}],
            },
            "undeclared",
        ),
        (
            {
                "host_mib": 900,
                "reserve_mib": 1,
                "domains": {"a": {"min_mib": 5, "max_mib": 9, "initial_mib": 10}},
                "steps": [],
            },
            "initial_mib",
        ),
        ({"host_mib": 900, "reserve_mib": 1, "domains": {}, "steps": [], "extra": 1}, "extra"),
    ],
)
def test_invalid_traces_are_rejected_with_the_reason(document, message):
    with pytest.raises(ValidationError, match=message):
        Trace.model_validate(document)


def test_overhead_counts_in_preference_and_starvation():
    # One guest using 100 MiB with a 53 MiB kernel, alone with 160 MiB: 153 MiB fit. The
    # baseline gives it all 160 either way; bulkhead's preference (53 + 130 = 183)
    # is above the capacity, so it gets all of it too and is not starved; without the overhead in
    # the trace the same target would look like 60 MiB of slack.
    domains = {"a": {"min_mib": 96, "max_mib": 512, "initial_mib": 128, "overhead_mib": 53}}
    replay = trace(domains, [{"a": 100}, {"a": 140}], host=660, reserve=500)
    report = simulate(replay, BulkheadStrategy()).report()
    assert report["starved_domain_steps"] == 1  # 140 + 53 > 160: the second step cannot fit
    assert report["overcommitted_steps"] == 0
    assert (
        Trace.model_validate(
            {
                "host_mib": 2,
                "reserve_mib": 0,
                "domains": {"a": {"min_mib": 1, "max_mib": 1, "initial_mib": 1}},
                "steps": [],
            }
        )
        .domains["a"]
        .overhead_mib
        == 0
    )
    with pytest.raises(ValidationError):
        trace({"a": {**domains["a"], "overhead_mib": -1}}, [])
