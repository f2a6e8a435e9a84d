"""Memory balancing bench: bulkhead's balancer against a qmemman-style one, same traces, one run.

    python -m bench.memory                 # held-out seeds; prints Markdown for BENCHMARKS.md
    python -m bench.memory --seeds 1,2     # other seeds (the balancer was tuned on 1, 2, 3)

Traces are generated deterministically (seeded) by saltext.bulkhead.memory.tracegen, every kernel
taking 53 MiB; both strategies replay each trace in the same loop with every domain of a step
running (a start the strategy refuses happens anyway) and ballooning instant. Every metric except
the decision times is identical from run to run. Ratio = bulkhead / qmemman: lower is better for
every metric here except domain_steps and starts (workload).
"""

from __future__ import annotations

import argparse
import platform
import sys
from dataclasses import dataclass

from saltext.bulkhead.memory.simulate import simulate
from saltext.bulkhead.memory.strategy import BulkheadStrategy, QmemmanStrategy
from saltext.bulkhead.memory.tracegen import generate_trace

HELD_OUT_SEEDS = (1001, 1002)
OVERHEAD_MIB = 53  # a Debian guest kernel's own share of its balloon (docs/memory.md)


@dataclass(frozen=True)
class Suite:
    domains: int
    steps: int
    short_share: float = 0.0
    starved_share: float = 0.0

    @property
    def label(self) -> str:
        if self.starved_share:
            return f"oversubscribed ({self.starved_share:.0%} of steps cannot cover use)"
        return f"short of memory in {self.short_share:.0%} of steps"


SUITES = (
    Suite(10, 500, short_share=0.25),
    Suite(10, 500, starved_share=0.5),
    Suite(100, 500, short_share=0.75),
    Suite(100, 500, starved_share=0.5),
    Suite(300, 200, short_share=0.75),
    Suite(300, 200, starved_share=0.5),
)
SUMMED = (
    "overcommitted_steps",
    "starved_domain_steps",
    "oscillations",
    "below_preference_domain_steps",
    "mib_moved",
    "adjustments",
    "domain_steps",
    "starts",
    "refused_starts",
)
GOALS = (  # (metric, the most bulkhead / qmemman may be; None: must be 0)
    ("overcommitted_steps", None),
    ("starved_domain_steps", 1.0),
    ("oscillations", 0.5),
    ("mib_moved", 1.5),
    ("mean_us", 1.0),
)


def run_suite(suite: Suite, seeds: tuple[int, ...]) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = {}
    for seed in seeds:
        trace = generate_trace(
            suite.domains, suite.steps, seed, suite.short_share, OVERHEAD_MIB, suite.starved_share
        )
        for strategy in (BulkheadStrategy(), QmemmanStrategy()):
            report = simulate(trace, strategy, every_domain_runs=True).report()
            into = totals.setdefault(
                strategy.name, {k: 0.0 for k in SUMMED} | {"mean_us": 0.0, "max_us": 0.0}
            )
            for key in SUMMED:
                into[key] += float(report[key])  # type: ignore[arg-type]
            into["mean_us"] += float(report["mean_decision_us"]) / len(seeds)  # type: ignore[arg-type]
            into["max_us"] = max(into["max_us"], float(report["max_decision_us"]))  # type: ignore[arg-type]
    return totals


def ratio(ours: float, theirs: float) -> str:
    if theirs == 0:
        return "=" if ours == 0 else "n/a (qmemman 0)"
    return f"{ours / theirs:.2f}"


def met(key: str, limit: float | None, ours: float, theirs: float) -> bool:
    if limit is None:
        return ours == 0
    return ours <= limit * theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(map(str, HELD_OUT_SEEDS)))
    seeds = tuple(int(seed) for seed in parser.parse_args().seeds.split(","))
    print(f"python {platform.python_version()} on {platform.machine()}, {sys.platform}")
    print(f"seeds {', '.join(map(str, seeds))}, sums over seeds\n")
    summary = []
    for suite in SUITES:
        totals = run_suite(suite, seeds)
        ours, theirs = totals["bulkhead"], totals["qmemman"]
        print(f"\n### {suite.domains} domains, {suite.steps} steps, {suite.label}\n")
        print("| metric | bulkhead | qmemman | ratio |")
        print("|---|---:|---:|---:|")
        for key in (*SUMMED, "mean_us", "max_us"):
            label = {"mean_us": "mean decision µs", "max_us": "max decision µs"}.get(key, key)
            print(
                f"| {label} | {ours[key]:.1f} | {theirs[key]:.1f} "
                f"| {ratio(ours[key], theirs[key])} |"
            )
        summary.append((suite, ours, theirs))
    print("\n### Goals (bulkhead / qmemman; overcommitted: bulkhead's count)\n")
    print("| suite | " + " | ".join(key for key, _ in GOALS) + " |")
    print("|---|" + "---:|" * len(GOALS))
    for suite, ours, theirs in summary:
        cells = []
        for key, limit in GOALS:
            shown = f"{ours[key]:.0f}" if limit is None else ratio(ours[key], theirs[key])
            cells.append(shown + ("" if met(key, limit, ours[key], theirs[key]) else " (missed)"))
        print(f"| {suite.domains}, {suite.label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
