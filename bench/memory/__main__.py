"""Memory balancing bench: bulkhead's balancer against proportional share, same traces, one run.

    python -m bench.memory            # prints a Markdown table for BENCHMARKS.md

Traces are generated deterministically (seeded) by saltext.bulkhead.memory.tracegen; every metric
except the decision times is therefore identical from run to run. Ratios are bulkhead / baseline:
below 1 means bulkhead did less of it (better for every metric here except decision time and
refused starts, where lower is better too, and domain-steps, which are workload).
"""

from __future__ import annotations

import argparse
import platform
import sys

from saltext.bulkhead.memory.policy import BulkheadPolicy, ProportionalPolicy
from saltext.bulkhead.memory.simulate import simulate
from saltext.bulkhead.memory.tracegen import generate_trace

SUITES = (  # (domains, steps, seeds)
    (10, 1000, (1, 2, 3)),
    (100, 500, (1, 2)),
)
SUMMED = (
    "domain_steps",
    "below_preference_domain_steps",
    "starved_domain_steps",
    "adjustments",
    "mib_moved",
    "oscillations",
    "overcommitted_steps",
    "starts",
    "refused_starts",
)


def run_suite(domains: int, steps: int, seeds: tuple[int, ...]) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = {}
    for seed in seeds:
        trace = generate_trace(domains, steps, seed)
        for policy in (BulkheadPolicy(), ProportionalPolicy()):
            report = simulate(trace, policy).report()
            into = totals.setdefault(
                policy.name, {k: 0.0 for k in SUMMED} | {"mean_us": 0.0, "max_us": 0.0}
            )
            for key in SUMMED:
                into[key] += float(report[key])  # type: ignore[arg-type]
            into["mean_us"] += float(report["mean_decision_us"]) / len(seeds)  # type: ignore[arg-type]
            into["max_us"] = max(into["max_us"], float(report["max_decision_us"]))  # type: ignore[arg-type]
    return totals


def ratio(ours: float, theirs: float) -> str:
    if theirs == 0:
        return "=" if ours == 0 else "n/a (baseline 0)"
    return f"{ours / theirs:.2f}"


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {sys.platform}")
    for domains, steps, seeds in SUITES:
        totals = run_suite(domains, steps, seeds)
        ours, theirs = totals["bulkhead"], totals["proportional"]
        print(
            f"\n### {domains} domains, {steps} steps, "
            f"seeds {', '.join(map(str, seeds))} (sums over seeds)\n"
        )
        print("| metric | bulkhead | proportional | ratio |")
        print("|---|---:|---:|---:|")
        for key in (*SUMMED, "mean_us", "max_us"):
            label = {"mean_us": "mean decision µs", "max_us": "max decision µs"}.get(key, key)
            print(
                f"| {label} | {ours[key]:.1f} | {theirs[key]:.1f} "
                f"| {ratio(ours[key], theirs[key])} |"
            )


if __name__ == "__main__":
    main()
