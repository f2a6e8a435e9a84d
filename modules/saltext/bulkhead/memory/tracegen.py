"""Deterministic synthetic traces for tuning and benchmarking (same seed, same trace).

Each domain follows one usage pattern seen on desktops: idle (a service VM doing little), bursty
(a browser opening pages: sudden large allocations that are freed again), growing (a long-running
program leaking or caching until restarted) and steady (a working app with jitter). Some domains
come and go. The host is sized from the trace itself so that memory is short in a chosen share of
steps, which is where balancers differ; an oversubscribed trace sizes it so that even the memory in
use (plus each kernel's overhead) does not fit in a chosen share of steps, though the minimums
always do.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from .trace import Trace, TraceDomain, TraceStep

PATTERNS = ("idle", "bursty", "growing", "steady")
RESERVE_MIB = 1024
CACHE_FACTOR = 1.3  # only for sizing the host; the balancer's own factor is configurable


def generate_trace(
    domains: int,
    steps: int,
    seed: int,
    short_share: float = 0.25,
    overhead_mib: int = 0,
    starved_share: float = 0.0,
) -> Trace:
    """A trace of ``domains`` domains over ``steps`` steps where memory is short about
    ``short_share`` of the time: the host gets the ``1 - short_share`` quantile of the total
    preferred memory. Every domain's kernel takes ``overhead_mib`` (counted in the preference).
    With ``starved_share`` > 0 the trace is oversubscribed instead: the host gets the
    ``1 - starved_share`` quantile of the memory in use, or the most the minimums of one step add
    up to if that is more."""
    if domains < 1 or steps < 1 or not 0.0 <= short_share < 1.0:
        raise ValueError("need domains >= 1, steps >= 1 and 0 <= short_share < 1")
    if overhead_mib < 0 or not 0.0 <= starved_share < 1.0:
        raise ValueError("need overhead_mib >= 0 and 0 <= starved_share < 1")
    rng = random.Random(seed)
    names = [f"dom{index:03d}" for index in range(domains)]
    bounds = {name: _bounds(rng, overhead_mib) for name in names}
    series = {name: _usage(rng, bounds[name], steps) for name in names}
    alive = {name: _lifetime(rng, steps) for name in names}

    used_steps = [{name: series[name][n] for name in names if alive[name][n]} for n in range(steps)]
    if starved_share:
        capacity = _oversubscribed_capacity(bounds, used_steps, overhead_mib, starved_share)
    else:
        capacity = _capacity(bounds, used_steps, overhead_mib, short_share)
    return Trace(
        host_mib=capacity + RESERVE_MIB,
        reserve_mib=RESERVE_MIB,
        domains=bounds,
        steps=[TraceStep(used_mib=step) for step in used_steps],
    )


def _demand(
    bounds: dict[str, TraceDomain], step: dict[str, float], overhead: int, factor: float
) -> float:
    return sum(
        min(max(overhead + used * factor, bounds[name].min_mib), bounds[name].max_mib)
        for name, used in step.items()
    )


def _quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * (1.0 - share)))]


def _capacity(
    bounds: dict[str, TraceDomain], used_steps: list[dict[str, float]], overhead: int, share: float
) -> int:
    demand = [_demand(bounds, step, overhead, CACHE_FACTOR) for step in used_steps]
    quantile = _quantile(demand, share)
    # Never so small that the biggest domain could not boot alone, nor (unless demand never gets
    # there) that the domains could not all boot at once.
    boot_all = sum(b.initial_mib for b in bounds.values())
    boot_one = max(b.initial_mib for b in bounds.values())
    return max(math.ceil(quantile), min(boot_all, math.ceil(max(demand))), boot_one)


def _oversubscribed_capacity(
    bounds: dict[str, TraceDomain], used_steps: list[dict[str, float]], overhead: int, share: float
) -> int:
    in_use = [_demand(bounds, step, overhead, 1.0) for step in used_steps]
    minimums = max(sum(bounds[name].min_mib for name in step) for step in used_steps)
    boot_one = max(b.initial_mib for b in bounds.values())
    return max(math.ceil(_quantile(in_use, share)), minimums, boot_one)


def _bounds(rng: random.Random, overhead_mib: int) -> TraceDomain:
    minimum = rng.choice((128, 192, 256))
    maximum = rng.choice((1024, 2048, 4096))
    return TraceDomain(
        min_mib=minimum,
        max_mib=maximum,
        initial_mib=max(minimum, 400),
        overhead_mib=overhead_mib,
    )


def _usage(rng: random.Random, bounds: TraceDomain, steps: int) -> list[float]:
    pattern: Callable[[random.Random, int], float] = {
        "idle": _idle,
        "bursty": _bursty,
        "growing": _growing,
        "steady": _steady,
    }[rng.choice(PATTERNS)](rng, bounds.max_mib)
    ceiling = bounds.max_mib * 0.95
    return [round(min(pattern(rng, n), ceiling), 1) for n in range(steps)]


def _idle(rng: random.Random, maximum: int) -> Callable[[random.Random, int], float]:
    base = rng.uniform(60, 150)
    return lambda r, n: base * r.uniform(0.97, 1.03)


def _steady(rng: random.Random, maximum: int) -> Callable[[random.Random, int], float]:
    base = rng.uniform(250, min(900, maximum * 0.6))
    return lambda r, n: base * r.uniform(0.95, 1.05)


def _bursty(rng: random.Random, maximum: int) -> Callable[[random.Random, int], float]:
    base = rng.uniform(150, 400)
    burst = {"left": 0, "size": 0.0}

    def used(r: random.Random, n: int) -> float:
        if burst["left"] == 0 and r.random() < 0.05:
            burst["left"] = r.randint(2, 8)
            burst["size"] = r.uniform(200, maximum * 0.5)
        if burst["left"]:
            burst["left"] -= 1
            return base + burst["size"] * r.uniform(0.9, 1.0)
        return base * r.uniform(0.97, 1.03)

    return used


def _growing(rng: random.Random, maximum: int) -> Callable[[random.Random, int], float]:
    start = rng.uniform(150, 300)
    rate = rng.uniform(2, 10)
    ceiling = rng.uniform(0.4, 0.8) * maximum
    level = {"used": start}

    def used(r: random.Random, n: int) -> float:
        level["used"] += rate * r.uniform(0.5, 1.5)
        if level["used"] > ceiling:  # the program is restarted
            level["used"] = start
        return level["used"]

    return used


def _lifetime(rng: random.Random, steps: int) -> list[bool]:
    """Always on for most domains; about a third start and stop at random."""
    if rng.random() >= 0.35:
        return [True] * steps
    alive: list[bool] = []
    running = rng.random() < 0.5
    while len(alive) < steps:
        length = rng.randint(20, 150) if running else rng.randint(10, 80)
        alive.extend([running] * length)
        running = not running
    return alive[:steps]
