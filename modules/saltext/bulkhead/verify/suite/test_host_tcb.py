"""The workstation deviates from the recommended state only where its pillar says so, with a
reason (bulkhead:tcb:accept): the deviations ``bulkhead tcb`` reports, docs/tcb.md."""

from __future__ import annotations

from saltext.bulkhead.tcb import collect
from saltext.bulkhead.verify.skips import skipped


def test_every_tcb_deviation_is_accepted_by_the_pillar(host, libvirt_conn, bulkhead_pillar):
    if host.backend.NAME != "local":
        skipped("the TCB report reads QEMU's processes and qemu.conf on the hypervisor host itself")
    report = collect(libvirt_conn, bulkhead_pillar)
    lines = [f"{d.kind} [{d.domain or 'host'}]: {d.detail}\n    why: {d.why}"
             for d in report.unaccepted]
    assert not lines, ("deviations the pillar does not accept (bulkhead:tcb:accept, with a "
                       "reason; bulkhead tcb shows them all):\n" + "\n".join(lines))
