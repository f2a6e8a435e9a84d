"""The host's CPU topology as libvirt reports it: read once per run, handed to the pure plan.

libvirt's capabilities list every CPU with its socket, die, core and SMT siblings (from the
kernel's /sys/devices/system/cpu/*/topology); the test driver given only a node description
reports counts instead, from which a topology is numbered core by core.
"""

from __future__ import annotations

import libvirt

from ..plan.cpu_topology import HostTopology, topology_from_capabilities, topology_from_counts
from .connection import Connection
from .errors import BulkheadVirtError


def host_topology(conn: Connection) -> HostTopology:
    try:
        found = topology_from_capabilities(conn.getCapabilities())
        if found is not None:
            return found
        _model, _mib, _cpus, _mhz, nodes, sockets, cores, threads = conn.getInfo()[:8]
    except libvirt.libvirtError as exc:
        raise BulkheadVirtError(f"cannot read the host's CPU topology: {exc}") from None
    return topology_from_counts(nodes * sockets, cores, threads)
