"""One no-op re-apply timed in a new Python process: what a ``salt-call`` (or a minion's job
process) runs, with none of the earlier runs' warm code, caches or heap.

The parent (``in_new_process``) starts ``python3 -m bench.apply.new_process TOOL URI N SCRATCH
IMAGE_DIR``; the child rebuilds the same workload's names and pillar, then does what a
salt-call's start-up does before its first state (imports, Salt's loaders, the state modules
loaded; bulkhead's tools also their connection, as in the parent's timings), and times one apply
alone. It prints ``{"seconds": ..., "changed": [...]}`` as its last line.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .table import BULKHEAD, PER_STATE, SALTVIRT
from .workload import SYSTEM, Workload, bulkhead_pillar, pool_dir

SIDES = {BULKHEAD: "bh", PER_STATE: "bh", SALTVIRT: "sv"}
STATES = {BULKHEAD: ("bulkhead_pool.present", "bulkhead_network.present",
                     "bulkhead_domain.present"),
          SALTVIRT: ("virt.pool_running", "virt.network_running", "virt.defined")}
TIMEOUT_S = 600


def in_new_process(tool: str, uri: str, n: int, scratch: str,
                   image_dir: Path) -> tuple[list[str], float]:
    """(objects the apply changed, its seconds), measured in a child process. Only for a URI
    whose objects another process sees (not test:///default: each process has its own)."""
    root = Path(__file__).resolve().parents[2]
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.apply.new_process", tool, uri, str(n), scratch,
         str(image_dir)],
        capture_output=True, text=True, timeout=TIMEOUT_S, check=False, cwd=root,
        env={**os.environ, "PYTHONPATH": path})
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{tool}: the no-op in a new process failed ({proc.returncode}): "
                           f"{proc.stderr.strip()[-2000:]}")
    result = json.loads(lines[-1])
    return result["changed"], result["seconds"]


def _prepared(tool: str, uri: str, n: int, scratch: str, image_dir: Path) -> Any:
    """The apply to time, with all a salt-call does before its first state already done."""
    from saltext.bulkhead.model import load_pillar
    from saltext.bulkhead.virt import counting
    from saltext.bulkhead.virt.connection import open_connection

    from . import bulkhead_side, saltvirt_side

    work = Workload(SIDES[tool], n, image_dir)
    path = pool_dir(uri, work.pool, scratch)
    if tool == SALTVIRT:
        salt = saltvirt_side.SaltVirt()
        for name in STATES[tool]:
            salt.states[name]  # noqa: B018 - loads the module, as Salt's start-up would
        return functools.partial(saltvirt_side.apply, salt, uri, work, path,
                                 "qemu" if uri == SYSTEM else "test")
    raw_pillar = bulkhead_pillar(work, uri, path, f"{scratch}/locks")
    conn, _log = counting(open_connection(uri))  # closed when the process exits
    if tool == PER_STATE:
        return functools.partial(bulkhead_side.apply, conn, load_pillar(raw_pillar), work)
    run = bulkhead_side.StateRun(saltvirt_side.SaltVirt(), conn, raw_pillar, work)
    run.load(STATES[tool])
    return run


def main(argv: list[str]) -> int:
    tool, uri, n, scratch, image_dir = argv
    apply = _prepared(tool, uri, int(n), scratch, Path(image_dir))
    start = time.perf_counter()
    changed = apply()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "changed": changed}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
