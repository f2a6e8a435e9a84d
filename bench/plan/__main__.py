"""How long the plan (pure code) takes for bench/apply's pillar, as a no-op re-apply computes it.

    python -m bench.plan              # N = 10 and 100, min of many repeats, in milliseconds

The plan is made from the domains' recorded allocations (what a re-apply reads back), so it is
the plan of a no-op. Compare two trees by running this from each, alternately, in one sitting.
"first in a process" is the median of the first plan of fresh processes: what a salt-call pays
(a minion forks per job), before the interpreter has warmed to the code.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import time
import timeit

from bench.apply.workload import IMAGE_DIR, Workload, bulkhead_pillar
from saltext.bulkhead.model import Pillar, load_pillar
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.plan.metadata import read_recorded

SIZES = (10, 100)


def bench_pillar(apps: int) -> Pillar:
    work = Workload("bh", apps, IMAGE_DIR)
    return load_pillar(bulkhead_pillar(work, "qemu:///system", "/var/lib/bulkhead/bench-pool",
                                       "/run/bulkhead/bench-locks"))


def plan_ms(apps: int, repeat: int) -> float:
    """The fastest of ``repeat`` plans of the re-apply, in milliseconds."""
    pillar = bench_pillar(apps)
    first = plan_workstation(pillar, {}, domain_type="qemu")
    recorded = {name: read_recorded(d.xml) for name, d in first.domains.items()}
    timings = timeit.repeat(lambda: plan_workstation(pillar, recorded, domain_type="qemu"),
                            number=1, repeat=repeat)
    return min(timings) * 1e3


def first_plan_ms(apps: int, processes: int) -> float:
    """The median of the first plan in each of ``processes`` fresh interpreters, in ms."""
    first = plan_workstation(bench_pillar(apps), {}, domain_type="qemu")
    recorded = pickle.dumps({name: read_recorded(d.xml) for name, d in first.domains.items()})
    timings = [float(subprocess.run([sys.executable, "-m", "bench.plan", "--first-of", str(apps)],
                                    input=recorded, capture_output=True, check=True).stdout)
               for _ in range(processes)]
    return statistics.median(timings)


def _first_of(apps: int) -> None:
    """Child of ``first_plan_ms``: one plan from the recorded allocations on stdin."""
    pillar, recorded = bench_pillar(apps), pickle.loads(sys.stdin.buffer.read())
    start = time.perf_counter()
    plan_workstation(pillar, recorded, domain_type="qemu")
    print((time.perf_counter() - start) * 1e3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300, help="plans timed per size")
    parser.add_argument("--processes", type=int, default=15, help="fresh processes per size")
    parser.add_argument("--first-of", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_of is not None:
        _first_of(args.first_of)
        return
    print("| N | domains | plan_workstation ms | ms per domain | first in a process ms |")
    print("|---|---|---|---|---|")
    for apps in SIZES:
        ms = plan_ms(apps, max(3, args.repeat * 10 // apps))
        first = first_plan_ms(apps, args.processes)
        print(f"| {apps} | {apps + 1} | {ms:.3f} | {ms / (apps + 1):.4f} | {first:.3f} |")


if __name__ == "__main__":
    main()
