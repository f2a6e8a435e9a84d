"""Apply bench: bulkhead against saltext-virt's virt.defined, the same domains, one run.

    python3 -m bench.apply                                  # N = 10, 30, 100 on both URIs
    python3 -m bench.apply --sizes 10 --uris test:///default --repeat 3

For each URI and N (app domains on one kernel template; every third behind a netvm), each round
applies cold, re-applies (the first no-op), re-applies --steady times more (the no-op a fleet
runs most: its median is the no-op column), re-applies once in a new process (as a salt-call
would; not on the test driver), then removes everything: bulkhead's states as one Salt
state run (through Salt's loaders, one connection and one inventory read per run), bulkhead's
reconcilers with every call reading libvirt itself (as before the shared inventory), then
saltext-virt's states (A B C A B C ...). Domains are defined, never started. bulkhead's pillar
leaves the domain type at its default, auto (resolved at every run; its KVM verdicts cached
before the first round), saltext-virt's names it (qemu; test on the test driver). Prints a Markdown
table: medians over rounds, libvirt calls per domain (per no-op) from bulkhead's counting proxy,
and ratios.
"""

from __future__ import annotations

import argparse
import functools
import platform
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import connect, counting

from . import bulkhead_side, saltvirt_side
from .new_process import in_new_process
from .table import BULKHEAD, PER_STATE, SALTVIRT, table
from .workload import IMAGE_DIR, SYSTEM, Workload, bulkhead_pillar, pool_dir, resolved_once


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


class Bench:
    def __init__(self, repeat: int, steady: int) -> None:
        self.repeat, self.steady = repeat, steady
        self.times: dict[tuple[str, int, str, str], list[float]] = defaultdict(list)
        self.calls: dict[tuple[str, int, str, str], tuple[float, int]] = {}
        self.errors: dict[str, str] = {}
        self.not_noop: dict[tuple[str, int], list[str]] = {}
        self.salt = saltvirt_side.SaltVirt()
        self.image_dir = IMAGE_DIR

    def bulkhead_round(self, raw: Any, uri: str, n: int, scratch: str, tool: str) -> None:
        work = Workload("bh", n, self.image_dir)
        path = pool_dir(uri, work.pool, scratch)
        raw_pillar = bulkhead_pillar(work, uri, path, f"{scratch}/locks")
        pillar = load_pillar(raw_pillar)
        conn, log = counting(raw)
        bulkhead_side.teardown(raw, pillar, work, path)
        apply: Callable[[], list[str]] = (
            bulkhead_side.StateRun(self.salt, conn, raw_pillar, work) if tool == BULKHEAD
            else functools.partial(bulkhead_side.apply, conn, pillar, work))
        try:
            changed, cold = timed(apply)
            cold_calls = bulkhead_side.calls_per_domain(log, n + 1)
            log.clear()
            again, noops = self.noops(apply, getattr(apply, "new_run", None))
            noop_calls = bulkhead_side.calls_per_domain(log, (n + 1) * len(noops))
            again += self.new_process(tool, uri, n, scratch)
        finally:
            bulkhead_side.teardown(raw, pillar, work, path)
        if len(changed) != n + 3 or again:
            raise RuntimeError(
                f"bulkhead: cold apply changed {len(changed)} of {n + 3}, re-apply changed {again}"
            )
        self.record(uri, n, tool, cold, noops)
        self.calls[uri, n, tool, "cold"] = cold_calls
        self.calls[uri, n, tool, "noop"] = noop_calls

    def noops(self, apply: Callable[[], list[str]],
              new_run: Callable[[], None] | None) -> tuple[list[str], list[float]]:
        """The first no-op after the cold apply, then ``self.steady`` more: (what any of them
        changed, their times). ``new_run`` (bulkhead's state run) drops the previous run's
        context before the timer starts: a salt-call exits after its run, it never frees one."""
        changed: list[str] = []
        times = []
        for _ in range(1 + self.steady):
            if new_run is not None:
                new_run()
            again, took = timed(apply)
            changed += again
            times.append(took)
        return changed, times

    def new_process(self, tool: str, uri: str, n: int, scratch: str) -> list[str]:
        """One more no-op, timed in a new process (recorded); what it changed. Skipped on the
        test driver, whose objects live in this process alone."""
        if uri.startswith("test:"):
            return []
        changed, took = in_new_process(tool, uri, n, scratch, self.image_dir)
        self.times[uri, n, tool, "new"].append(took)
        return changed

    def record(self, uri: str, n: int, tool: str, cold: float, noops: list[float]) -> None:
        self.times[uri, n, tool, "cold"].append(cold)
        self.times[uri, n, tool, "first"].append(noops[0])
        self.times[uri, n, tool, "noop"].extend(noops[1:] or noops)

    def saltvirt_round(self, raw: Any, uri: str, n: int, scratch: str) -> None:
        if uri in self.errors:
            return
        work = Workload("sv", n, self.image_dir)
        path = pool_dir(uri, work.pool, scratch)
        vm_type = "qemu" if uri == SYSTEM else "test"
        saltvirt_side.teardown(raw, work, path)
        apply = functools.partial(saltvirt_side.apply, self.salt, uri, work, path, vm_type)
        try:
            changed, cold = timed(apply)
            again, noops = self.noops(apply, None)
            again += self.new_process(SALTVIRT, uri, n, scratch)
        except Exception as exc:  # recorded verbatim in the report, never papered over
            self.errors[uri] = f"{type(exc).__name__}: {exc}"
            return
        finally:
            saltvirt_side.teardown(raw, work, path)
        if len(changed) != n + 3:
            self.errors[uri] = f"cold apply changed {len(changed)} of {n + 3} objects"
            return
        if again:  # a no-op that is not one is a finding to print, not a reason to drop the figures
            self.not_noop[uri, n] = sorted(set(again))
        self.record(uri, n, SALTVIRT, cold, noops)

    def run(self, uris: list[str], sizes: list[int]) -> None:
        with tempfile.TemporaryDirectory(prefix="bhbench-") as scratch:
            # A copy of the image: another run rebuilding it meanwhile would make the template's
            # re-import a real change of the "no-op".
            self.image_dir = Path(shutil.copytree(IMAGE_DIR, f"{scratch}/image"))
            for uri in uris:
                # One connection for the whole URI: test:///default forgets everything once the last
                # connection to it closes, and saltext-virt opens and closes its own per call.
                with connect(uri) as raw:
                    resolved_once(raw, uri, self.image_dir)
                    for n in sizes:
                        for _ in range(self.repeat):
                            self.bulkhead_round(raw, uri, n, scratch, BULKHEAD)
                            self.bulkhead_round(raw, uri, n, scratch, PER_STATE)
                            self.saltvirt_round(raw, uri, n, scratch)
                        print(f"# done {uri} N={n}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="10,30,100", help="comma-separated numbers of app domains"
    )
    parser.add_argument("--uris", default=f"test:///default,{SYSTEM}")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds per size; medians are reported"
    )
    parser.add_argument(
        "--steady", type=int, default=3,
        help="no-ops timed after the first one of each round (the steady no-op's median)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    uris = args.uris.split(",")
    if not (IMAGE_DIR / "root.img").exists():
        print(f"no guest image at {IMAGE_DIR}: run `bulkhead image build` first", file=sys.stderr)
        return 2
    bench = Bench(args.repeat, args.steady)
    start = time.perf_counter()
    try:
        bench.run(uris, sizes)
    finally:
        source = bench.salt.source()
        bench.salt.close()
    print(
        f"{platform.node()}: {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, sizes {sizes}, {args.repeat} rounds, "
        f"{time.perf_counter() - start:.0f} s total"
    )
    print(f"saltext-virt's virt.defined loaded from {source}\n")
    print(table(bench.times, bench.calls, uris, sizes))
    for uri, error in bench.errors.items():
        print(f"\nsaltext-virt on {uri} failed: {error}")
    for (uri, n), names in bench.not_noop.items():
        print(
            f"\nsaltext-virt's re-apply on {uri}, N={n}, still reported changes for: "
            f"{', '.join(names)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
