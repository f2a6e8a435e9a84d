import itertools

from saltext.bulkhead.memory.tracegen import CACHE_FACTOR, generate_trace


def test_same_seed_same_trace_and_other_seeds_differ():
    first = generate_trace(10, 200, seed=7).model_dump_json()
    assert generate_trace(10, 200, seed=7).model_dump_json() == first
    assert generate_trace(10, 200, seed=8).model_dump_json() != first


def test_domains_come_and_go():
    trace = generate_trace(20, 300, seed=3)
    running = [set(step.used_mib) for step in trace.steps]
    stopped = any(before - after for before, after in itertools.pairwise(running))
    started = any(after - before for before, after in itertools.pairwise(running))
    assert stopped and started


def test_memory_is_short_in_about_the_requested_share_of_steps():
    for share in (0.1, 0.25, 0.5):
        trace = generate_trace(30, 400, seed=11, short_share=share)
        short = 0
        for step in trace.steps:
            demand = sum(
                min(
                    max(used * CACHE_FACTOR, trace.domains[name].min_mib),
                    trace.domains[name].max_mib,
                )
                for name, used in step.used_mib.items()
            )
            short += demand > trace.capacity_mib
        assert abs(short / len(trace.steps) - share) <= 0.05


def test_usage_stays_below_each_maximum():
    trace = generate_trace(30, 300, seed=5)
    for step in trace.steps:
        for name, used in step.used_mib.items():
            assert 0 < used < trace.domains[name].max_mib
