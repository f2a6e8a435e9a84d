"""Start the boot plan's domains one by one through the formula's own start path.

Each start is ``virt.domain_running``, exactly what ``bulkhead_domain.running`` does: the
definition converged to the pillar, bulkhead-memd asked for the domain's initial memory, a fresh
root from its template. A domain already running is left as it is. A domain whose netvm did not
start is not started (it would come up without network); its failure is reported instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..exclusive import RecordError, recover
from ..model import Pillar
from ..virt import BulkheadVirtError, InventoryCache, connect, domain_running, tracked
from .order import boot_order, netvm_chain


@dataclass(frozen=True, slots=True)
class Started:
    name: str
    ok: bool
    comment: str


def resume_interrupted(pillar: Pillar) -> list[Started]:
    """Undo the pauses of an exclusive run the host's shutdown (or a SIGKILL) interrupted."""
    record = Path(pillar.formula.paths.exclusive)
    try:
        done = recover(record)
    except (RecordError, OSError, TimeoutError, BulkheadVirtError) as exc:
        return [Started(pillar.workstation, False, f"exclusive-mode record {record}: {exc}")]
    return [Started(r.name, r.ok, f"paused by an interrupted exclusive run: {r.done}")
            for r in done or ()]


def boot(pillar: Pillar) -> list[Started]:
    """Start ``boot_order(pillar)`` in order on the pillar's libvirt; one result per domain."""
    results: list[Started] = resume_interrupted(pillar)
    failed: set[str] = set()
    with connect(pillar.host.uri) as raw:
        conn = tracked(raw, InventoryCache())  # one read of libvirt for the whole sequence
        for name in boot_order(pillar):
            down = [netvm for netvm in netvm_chain(pillar, name) if netvm in failed]
            if down:
                failed.add(name)
                results.append(
                    Started(name, False, f"not started: its netvm {down[0]} did not start")
                )
                continue
            outcome = domain_running(conn, pillar, name)
            if outcome.result is not True:
                failed.add(name)
            results.append(Started(name, outcome.result is True, outcome.comment))
    return results
