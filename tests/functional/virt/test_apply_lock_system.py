"""Two bulkhead processes on the real libvirtd (qemu:///system; test:/// is per process), with
defined-only domains in a pool this test owns and an apply lock of its own (formula:paths:locks).

The second run waits for the first and then finds nothing to do (no mutating call at all); a
holder that never releases makes a state fail after its lock_timeout naming that holder's pid,
and a test-mode run does not wait but says who holds the lock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from saltext.bulkhead import apply_lock
from saltext.bulkhead.apply_lock import hold, lock_path
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import (
    domain_absent,
    domain_present,
    pool_present,
)
from tests.guests import URI
from tests.topology import remove_pool

from .virt_fixtures import defined_only_image, system_connection

MODULES = Path(apply_lock.__file__).resolve().parents[3]
POOL, TPL, WORK = "bhlock-pool", "bhlock-tpl", "bhlock-work"
# The library entry points a second apply runs (pool, template, app), as one process.
CONVERGE = """
import json, logging, sys
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import connect, counting, domain_present, pool_present
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
pillar = load_pillar(json.loads(open(sys.argv[1]).read()))
with connect(pillar.host.uri) as raw:
    conn, log = counting(raw)
    outcomes = [pool_present(conn, pillar)]
    outcomes += [domain_present(conn, pillar, n) for n in sys.argv[2:]]
print(json.dumps({"results": [o.result for o in outcomes], "changes": [o.changes for o in outcomes],
                  "comments": [o.comment for o in outcomes],
                  "mutating": [str(c) for c in log.mutating]}))
"""
HOLD_FOREVER = """
import sys
from pathlib import Path
from saltext.bulkhead.apply_lock import hold
with hold(Path(sys.argv[1]), 30):
    print("held", flush=True)
    sys.stdin.read()
"""


def pillar_data(root: Path) -> dict[str, Any]:
    return {
        "host": {"uri": URI, "workstation": "test-apply-lock", "domain_type": "qemu", "pool": POOL,
                 "pool_path": str(root / "pool")},
        "formula": {"paths": {"locks": str(root / "locks")}, "lock_timeout": 120},
        "domains": {TPL: {"class": "template", "image": defined_only_image(root), "netvm": "none"},
                    WORK: {"class": "app", "template": TPL, "netvm": "none", "private_mib": 16}},
    }


def _cleanup(conn: Any, data: dict[str, Any]) -> None:
    # Not topology.purge: these formula paths set only the locks, so the daemons' pidfiles are
    # the installed workstation's, and purge would stop its daemons.
    pillar = load_pillar(data)
    for name in (WORK, TPL):
        domain_absent(conn, pillar, name, purge=True)
    remove_pool(conn, POOL, data["host"]["pool_path"])


@pytest.fixture
def system(tmp_path: Path) -> Iterator[tuple[Any, dict[str, Any]]]:
    data = pillar_data(tmp_path)
    with system_connection(lambda conn: _cleanup(conn, data)) as conn:
        yield conn, data


def _child(script: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(MODULES)}
    return subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)


def test_the_second_apply_waits_then_finds_nothing_to_do(system, tmp_path: Path) -> None:
    conn, data = system
    pillar_file = tmp_path / "pillar.json"
    pillar_file.write_text(json.dumps(data))
    pillar = load_pillar(data)
    with hold(lock_path(tmp_path / "locks"), timeout=0):
        second = _child(CONVERGE, str(pillar_file), TPL, WORK)
        waiting = second.stderr.readline()  # EOF ("") if it ran without waiting
        assert "waiting up to 120s" in waiting and f"held by pid {os.getpid()} (" in waiting
        # Meanwhile this process, the first apply, converges everything (its lock re-entered).
        first = [pool_present(conn, pillar)] + [
            domain_present(conn, pillar, n) for n in (TPL, WORK)
        ]
        assert [o.result for o in first] == [True] * 3, [o.comment for o in first]
        assert all(o.changes for o in first)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    report = json.loads(out)
    assert report["results"] == [True] * 3, report["comments"]
    assert report["changes"] == [{}] * 3
    assert report["mutating"] == []


def test_a_holder_that_never_releases_fails_the_state_naming_it(system, tmp_path, loaders,
                                                                set_pillar) -> None:
    conn, data = system
    set_pillar(data)
    holder = _child(HOLD_FOREVER, str(lock_path(tmp_path / "locks")), "never-releases")
    try:
        assert holder.stdout.readline() == "held\n"
        ret = loaders.states.bulkhead_pool.present(name=POOL, lock_timeout=1)
        assert ret.result is False
        assert f"pid {holder.pid} (" in ret.comment and "never-releases" in ret.comment
        assert "waited 1s, nothing was changed" in ret.comment
        assert POOL not in [p.name() for p in conn.listAllStoragePools(0)]
        preview = loaders.states.bulkhead_pool.present(name=POOL, test=True)  # never waits
        assert preview.result is None and f"pid {holder.pid} (" in preview.comment
    finally:
        holder.stdin.close()
        holder.wait()
