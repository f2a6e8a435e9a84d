"""The host's CPU topology, an input of the plan (read once by virt, from libvirt's capabilities).

Two CPUs share a core when they are SMT siblings or have the same socket, die and core id: the
plan never lets domains of different partitions onto one core.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from ..model.cpu_list import format_cpu_list, parse_cpu_list


@dataclass(frozen=True, order=True)
class HostCpu:
    id: int
    core: tuple[int, int, int]  # socket, die, core
    siblings: frozenset[int]


@dataclass(frozen=True)
class HostTopology:
    cpus: tuple[HostCpu, ...]

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(cpu.id for cpu in self.cpus)

    def cores(self) -> list[frozenset[int]]:
        """The host's cores, each as the set of its CPUs (siblings and same core id merged)."""
        groups: list[set[int]] = []
        for cpu in sorted(self.cpus):
            members = {cpu.id} | set(cpu.siblings) | {c.id for c in self.cpus if c.core == cpu.core}
            touching = [g for g in groups if g & members]
            for group in touching:
                members |= group
                groups.remove(group)
            groups.append(members)
        return sorted((frozenset(g) for g in groups), key=min)

    def describe(self) -> str:
        """One line naming every core, for errors: ``2 CPUs in 2 cores, no SMT: {0} {1}``."""
        cores = self.cores()
        smt = "SMT" if any(len(core) > 1 for core in cores) else "no SMT"
        listed = " ".join("{" + format_cpu_list(core) + "}" for core in cores)
        return f"{len(self.cpus)} CPUs in {len(cores)} cores, {smt}: {listed}"


def topology_from_capabilities(xml: str) -> HostTopology | None:
    """From ``<host><topology><cells>`` of libvirt's capabilities; None when it lists no CPU."""
    root = etree.fromstring(xml.encode())
    cpus = []
    for cpu in root.iterfind("host/topology/cells/cell/cpus/cpu"):
        ident = int(cpu.get("id"))
        core = tuple(int(cpu.get(attr, "0")) for attr in ("socket_id", "die_id", "core_id"))
        siblings = parse_cpu_list(cpu.get("siblings") or str(ident))
        cpus.append(HostCpu(ident, core, siblings | {ident}))  # type: ignore[arg-type]
    return HostTopology(tuple(sorted(cpus))) if cpus else None


def topology_from_counts(sockets: int, cores: int, threads: int) -> HostTopology:
    """A synthetic host (libvirt's test driver given only counts): CPUs numbered core by core,
    each core's threads consecutive."""
    cpus = []
    for socket in range(sockets):
        for core in range(cores):
            first = (socket * cores + core) * threads
            siblings = frozenset(range(first, first + threads))
            cpus.extend(HostCpu(cpu, (socket, 0, core), siblings) for cpu in sorted(siblings))
    return HostTopology(tuple(cpus))


def topology_of(cores: Iterable[Iterable[int]]) -> HostTopology:
    """A topology from its cores (each the CPU ids sharing it): for tests and documentation."""
    cpus = []
    for index, core in enumerate(cores):
        members = frozenset(core)
        cpus.extend(HostCpu(cpu, (0, 0, index), members) for cpu in sorted(members))
    return HostTopology(tuple(sorted(cpus)))
