"""Which host CPUs each domain may run on: its partition's, once the partitions are checked
against the host's topology (CPUs that exist, whole cores, no more partitions than cores).

A pillar this host cannot honour is an error naming the topology, never a silent fallback to
unpinned domains.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import Pillar
from ..model.cpu_list import format_cpu_list
from ..model.cpu_partition import CpuPartition, partition_of
from .cpu_topology import HostTopology
from .errors import PlanError

AT = "bulkhead:host:cpu_partitions"


def partition_cpus(pillar: Pillar, topology: HostTopology | None) -> dict[str, frozenset[int]]:
    """Partition name -> its CPUs; PlanError listing every way the host cannot honour them."""
    partitions = pillar.host.cpu_partitions
    if not partitions:
        return {}
    if topology is None:
        raise PlanError(f"{AT}: pinning needs the host's CPU topology, and none was given "
                        "(bulkhead reads it from libvirt's capabilities)")
    problems = _problems(partitions, topology)
    if problems:
        raise PlanError("\n".join(f"{line}; this host: {topology.describe()}" for line in problems))
    return {name: part.cpu_set for name, part in sorted(partitions.items())}


def _problems(partitions: Mapping[str, CpuPartition], topology: HostTopology) -> list[str]:
    cores = topology.cores()
    problems = []
    if len(partitions) > len(cores):
        problems.append(f"{AT}: {len(partitions)} partitions but the host has {len(cores)} cores; "
                        "partitions never share a core")
    owner = {cpu: name for name, part in partitions.items() for cpu in part.cpu_set}
    for name in sorted(partitions):
        missing = partitions[name].cpu_set - topology.ids
        if missing:
            problems.append(f"{AT}:{name}:cpus: CPU {format_cpu_list(missing)} does not exist")
    for core in cores:
        split = sorted({owner[cpu] for cpu in core if cpu in owner})
        if len(split) > 1:
            held = "; ".join(
                f"{format_cpu_list(c for c in core if owner.get(c) == name)} in '{name}'"
                for name in split)
            problems.append(f"{AT}:{split[1]}:cpus: CPUs {format_cpu_list(core)} are one core "
                            f"(SMT siblings) split between partitions: {held}")
    return problems


def domain_cpus(pillar: Pillar, name: str,
                cpus: Mapping[str, frozenset[int]]) -> frozenset[int] | None:
    """The CPUs domain ``name`` is pinned to; None without partitions."""
    partition = partition_of(pillar.host.cpu_partitions, pillar.domains[name])
    return cpus.get(partition) if partition is not None else None
