"""bulkhead's side: the formula's order (pool, network, domains) as one Salt state run."""

from __future__ import annotations

import shutil
from typing import Any

from saltext.bulkhead.model import Pillar
from saltext.bulkhead.virt import (
    CallLog,
    domain_absent,
    domain_present,
    network_absent,
    network_present,
    pool_present,
)
from saltext.bulkhead.virt.run_connection import CONNECTIONS_KEY

from .cleanup import drop_pool
from .saltvirt_side import SaltVirt
from .workload import Workload


class StateRun:
    """bulkhead's states through Salt's loaders as saltext-virt's are: ``bulkhead_pool.present``,
    ``bulkhead_network.present``, then ``bulkhead_domain.present`` for every domain. The states
    loader is made once, outside the timings (saltext-virt's is made once for the whole bench);
    each run gets a new, empty ``__context__`` (as ``salt.state.State`` gives each run) holding
    only ``conn`` (counted) as the run's connection."""

    def __init__(self, salt: SaltVirt, conn: Any, raw_pillar: dict[str, Any], work: Workload):
        self._context: dict[str, Any] = {}
        self._fresh = True  # the context holds no run's data yet
        self._states = salt.run_states({"bulkhead": raw_pillar}, self._context)
        self._conn, self._uri, self._work = conn, raw_pillar["host"]["uri"], work

    def load(self, names: tuple[str, ...]) -> None:
        """Have Salt's loader load these states' modules now (a salt-call's start-up does)."""
        for name in names:
            self._states[name]  # noqa: B018 - the lookup is what loads

    def new_run(self) -> None:
        """Drop the previous run's context: the loader holds this dict, emptied it is a new run's.
        Called outside the timings (a salt-call exits after its run; it never frees one)."""
        self._context.clear()
        self._fresh = True

    def __call__(self) -> list[str]:
        """One run; the names of the objects that reported changes. Any failure raises."""
        if not self._fresh:  # never a run on the previous one's reads
            self.new_run()
        self._fresh = False
        self._context[CONNECTIONS_KEY] = {self._uri: self._conn}
        st, work = self._states, self._work
        rets = [st["bulkhead_pool.present"](name=work.pool),
                st["bulkhead_network.present"](name=work.netvm)]
        rets += [st["bulkhead_domain.present"](name=name) for name in work.domains()]
        failed = [f"{r['name']}: {r['comment']}" for r in rets if r["result"] is not True]
        if failed:
            raise RuntimeError("bulkhead apply failed: " + "; ".join(failed))
        return [r["name"] for r in rets if r["changes"]]


def apply(conn: Any, pillar: Pillar, work: Workload) -> list[str]:
    """The reconcilers called one by one, each reading libvirt itself (the behaviour before the
    shared inventory, kept for comparison); the names of objects that reported changes."""
    outcomes = [
        ("pool", pool_present(conn, pillar)),
        ("network", network_present(conn, pillar, work.netvm)),
    ]
    # Domains are defined, never started: the netvm too (the formula would run it).
    outcomes += [(name, domain_present(conn, pillar, name)) for name in work.domains()]
    failed = [f"{name}: {out.comment}" for name, out in outcomes if out.result is not True]
    if failed:
        raise RuntimeError("bulkhead apply failed: " + "; ".join(failed))
    return [name for name, out in outcomes if out.changes]


def calls_per_domain(log: CallLog, domains: int) -> tuple[float, int]:
    """(libvirt calls per domain, mutating calls in total) of what ``log`` recorded."""
    return len(log.calls) / domains, len(log.mutating)


def teardown(raw: Any, pillar: Pillar, work: Workload, pool_path: str) -> None:
    """Remove everything ``apply`` may have created; tolerates a half-done apply."""
    for name in reversed(work.domains()):  # apps before their template
        domain_absent(raw, pillar, name, purge=True)
    network_absent(raw, pillar, work.netvm)
    drop_pool(raw, work.pool)
    shutil.rmtree(pool_path, ignore_errors=True)

