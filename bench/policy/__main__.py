"""Policy evaluation bench: the compiled index against a plain linear first-match scan of the same
rules, same requests, one run; the decisions must be identical.

    python -m bench.policy                 # 1,000 rules, 60 domains, 20,000 requests
    python -m bench.policy --rules 5000    # other sizes

The workload is seeded (bench/policy/generate.py); only the timings vary from run to run.
"""

from __future__ import annotations

import argparse
import collections
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

from saltext.bulkhead.policy import Policy, System
from saltext.bulkhead.policy.lint import lint

from .generate import generate_requests, generate_rules, generate_system, write_policy_dir


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--domains", type=int, default=60)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--services", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, default=3, help="alternating runs; the fastest of each counts"
    )
    args = parser.parse_args()

    rng = random.Random(args.seed)
    services = [f"bench.Service{i}" for i in range(args.services)]
    system = generate_system(args.domains, rng)
    lines = generate_rules(args.rules, services, system, rng)
    requests = generate_requests(args.requests, services, system, rng)
    with tempfile.TemporaryDirectory() as tmp:
        write_policy_dir(Path(tmp) / "policy.d", lines, files=10)
        policy, load_s = timed(Policy.load, Path(tmp) / "policy.d")
    findings, lint_s = timed(lint, policy)

    # Each run gets its own copy of the system, so no run profits from another's caches.
    def run(evaluate, fresh: System):
        return [evaluate(request, fresh) for request in requests]

    linear_s = indexed_s = float("inf")
    identical = True
    for _ in range(args.repeat):
        linear, seconds = timed(
            run, policy.evaluate_linear, generate_system(args.domains, random.Random(args.seed))
        )
        linear_s = min(linear_s, seconds)
        indexed, seconds = timed(
            run, policy.evaluate, generate_system(args.domains, random.Random(args.seed))
        )
        indexed_s = min(indexed_s, seconds)
        identical = identical and linear == indexed
    counts = collections.Counter(d.verdict.value for d in indexed)
    defaulted = sum(1 for d in indexed if d.rule is None)

    print(f"python {platform.python_version()} on {platform.machine()}, {sys.platform}")
    print(f"{len(policy.rules)} rules in {len(policy.files)} files, {len(system.domains)} domains, "
          f"{len(requests)} requests (seed {args.seed})")
    print(f"decisions: {dict(sorted(counts.items()))}, {defaulted} without a matching rule")
    print(
        f"load+compile: {load_s * 1000:.1f} ms; lint: {lint_s * 1000:.1f} ms ({len(findings)} "
        f"findings)"
    )
    print()
    print("| evaluator | total s | decisions/s | us/decision |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds in (("linear first-match scan", linear_s), ("compiled index", indexed_s)):
        print(
            f"| {name} | {seconds:.3f} | {len(requests) / seconds:,.0f} | "
            f"{seconds / len(requests) * 1e6:.1f} |"
        )
    print()
    print(
        f"speed-up (linear / index): {linear_s / indexed_s:.1f}x (fastest of {args.repeat} "
        f"alternating runs each)"
    )
    print(f"identical decisions: {identical}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
