"""Run every benchmark package present (``make bench``); each prints its own Markdown tables.

Packages are run one after another in separate interpreters, so one bench's imports, caches and
libvirt connections cannot colour another's timings; a failing bench does not stop the rest.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = ("apply", "policy", "memory", "rpc", "rpc_flood", "gui_filter")


def main() -> int:
    here = Path(__file__).parent
    failed = []
    for name in BENCHES:
        if not (here / name / "__main__.py").exists():
            continue
        print(f"\n## bench.{name}\n", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=here.parent).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
