"""How long the plan (pure code) takes for bench/apply's pillar, as a no-op re-apply computes it.

    python -m bench.plan              # N = 10 and 100, min of many repeats, in milliseconds

The plan is made from the domains' recorded allocations (what a re-apply reads back), so it is
the plan of a no-op. Compare two trees by running this from each, alternately, in one sitting.
"""

from __future__ import annotations

import argparse
import timeit

from bench.apply.workload import IMAGE_DIR, Workload, bulkhead_pillar
from saltext.bulkhead.model import Pillar, load_pillar
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.plan.metadata import read_recorded

SIZES = (10, 100)


def bench_pillar(apps: int) -> Pillar:
    work = Workload("bh", apps, IMAGE_DIR)
    return load_pillar(bulkhead_pillar(work, "qemu:///system", "/var/lib/bulkhead/bench-pool",
                                       "qemu", "/run/bulkhead/bench-locks"))


def plan_ms(apps: int, repeat: int) -> float:
    """The fastest of ``repeat`` plans of the re-apply, in milliseconds."""
    pillar = bench_pillar(apps)
    first = plan_workstation(pillar, {}, domain_type="qemu")
    recorded = {name: read_recorded(d.xml) for name, d in first.domains.items()}
    timings = timeit.repeat(lambda: plan_workstation(pillar, recorded, domain_type="qemu"),
                            number=1, repeat=repeat)
    return min(timings) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300, help="plans timed per size")
    args = parser.parse_args()
    print("| N | domains | plan_workstation ms | ms per domain |")
    print("|---|---|---|---|")
    for apps in SIZES:
        ms = plan_ms(apps, max(3, args.repeat * 10 // apps))
        print(f"| {apps} | {apps + 1} | {ms:.3f} | {ms / (apps + 1):.4f} |")


if __name__ == "__main__":
    main()
