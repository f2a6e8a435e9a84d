"""Highstate from a salt-master: wall time of the ``salt`` command for 1 and 2 workstations,
cold and no-op, and the fleet report (``salt '*' bulkhead.verify``).

    python -m bench.fleet [--rounds 1]

Each round runs the fleet tier (tests/fleet: a real master and two minions on loopback, alice
booting a netvm and a client under TCG, bob defining his three domains) twice: once with both
workstations cold in one ``salt '*' state.highstate``, once with alice's cold highstate alone
first (``BULKHEAD_FLEET_COLD=1``). The tier's own assertions hold in both (a failed run is
reported, not timed). Not part of ``make bench``: it takes minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROWS = ("cold, 1 workstation", "cold, 2 workstations", "no-op, 1 workstation",
        "no-op, 2 workstations", "bulkhead.verify, 2 workstations")


def tier(cold: str, out: Path) -> dict:
    env = {**os.environ, "BULKHEAD_FLEET_TIMINGS": str(out), "BULKHEAD_FLEET_COLD": cold}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q",
                           "tests/fleet"], env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the fleet tier failed (BULKHEAD_FLEET_COLD={cold}): not timed")
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    seen: dict[str, list[float]] = {row: [] for row in ROWS}
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.rounds):
            for cold in ("2", "1"):
                timings = tier(cold, Path(tmp) / f"{index}-{cold}.json")
                for row in ROWS:
                    if isinstance(timings.get(row), (int, float)):
                        seen[row].append(timings[row])
                print(json.dumps(timings, indent=2), flush=True)
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print("\n| highstate from the master | runs (s) | median s |\n|---|---|---:|")
    for row, values in seen.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        median = f"{statistics.median(values):.1f}" if values else ""
        print(f"| {row} | {runs} | {median} |")


if __name__ == "__main__":
    main()
