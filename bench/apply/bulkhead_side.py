"""bulkhead's side: the formula's reconcilers in order (pool, network, domains), one connection."""

from __future__ import annotations

import shutil
from typing import Any

from saltext.bulkhead.model import Pillar
from saltext.bulkhead.virt import (
    CallLog,
    InventoryCache,
    domain_absent,
    domain_present,
    network_absent,
    network_present,
    pool_present,
    tracked,
)

from .cleanup import drop_pool
from .workload import Workload


def apply(conn: Any, pillar: Pillar, work: Workload, shared: bool = True) -> list[str]:
    """Converge every object; returns the names of those that reported changes. Any failure raises.

    ``shared``: the reconcilers share one inventory, as the states of one Salt run do; otherwise
    each reads libvirt itself (the behaviour before the shared inventory, kept for comparison)."""
    if shared:
        conn = tracked(conn, InventoryCache())
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

