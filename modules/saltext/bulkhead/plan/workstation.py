"""The whole plan for a pillar, as one frozen, deterministic object.

Same pillar + same recorded allocations + same domain type => byte-identical XML and volumes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..model import Pillar
from .allocations import Allocation, allocate
from .cpu_pinning import domain_cpus, partition_cpus
from .cpu_topology import HostTopology
from .domain_xml import domain_draft, stable_uuid
from .draft import Draft, Renderer
from .guest_config import ConfigArchiver, guest_config, netvm_clients
from .metadata import read_recorded
from .network_xml import NetworkPlan, network_plan
from .recorded import RecordedDomain
from .storage import PoolPlan, VolumePlan, domain_volumes, pool_plan

DOMAIN_TYPES = ("kvm", "qemu", "xen", "test")


@dataclass(frozen=True)
class DomainPlan:
    name: str
    uuid: str
    xml: str
    config_hash: str
    volumes: tuple[VolumePlan, ...]  # root, private, config[, firewall] (vda, vdb, vdc[, vdd])
    networks: tuple[str, ...]  # libvirt networks its NICs attach to
    allocation: Allocation
    # what ``xml`` was rendered from: its document read without parsing ``xml`` (apply compares
    # the planned properties on every run); ``xml`` says all it holds
    draft: Draft = field(compare=False, repr=False)
    cpus: frozenset[int] | None = None  # the host CPUs its threads are pinned to (its partition)
    # sha256 of ``xml``: what a run compares libvirt's definition with is known by it
    xml_sha256: bytes = field(default=b"", repr=False)

    def volume(self, role: str) -> VolumePlan:
        return next(v for v in self.volumes if v.role == role)


@dataclass(frozen=True)
class Plan:
    domain_type: str
    pool: PoolPlan
    domains: Mapping[str, DomainPlan]
    networks: Mapping[str, NetworkPlan]  # keyed by network name (bulkhead-<owner>)
    volumes: Mapping[str, VolumePlan]  # keyed by volume name
    # partition name -> its host CPUs (empty: nothing is pinned)
    cpu_partitions: Mapping[str, frozenset[int]] = field(
        default_factory=lambda: MappingProxyType({}))

    def network_of(self, owner: str) -> NetworkPlan:
        return next(n for n in self.networks.values() if n.owner == owner)


def _domain_type(pillar: Pillar, domain_type: str | None) -> str:
    chosen = domain_type or pillar.host.domain_type.value
    if chosen == "auto":
        # Pure code cannot probe the host: apply resolves 'auto' and passes the result. TCG
        # ('qemu') is the safe stand-in: it runs everywhere.
        chosen = "qemu"
    if chosen not in DOMAIN_TYPES:
        raise ValueError(f"domain type {chosen!r} is not one of {', '.join(DOMAIN_TYPES)}")
    return chosen


def plan_workstation(pillar: Pillar, recorded: Mapping[str, RecordedDomain],
                     domain_type: str | None = None, topology: HostTopology | None = None) -> Plan:
    """The plan; ``topology`` (the host's CPUs) is needed when the pillar has CPU partitions."""
    dtype = _domain_type(pillar, domain_type)
    partitions = partition_cpus(pillar, topology)
    allocations = allocate(pillar, recorded)
    pool = pool_plan(pillar)
    domains: dict[str, DomainPlan] = {}
    volumes: dict[str, VolumePlan] = {}
    networks: dict[str, NetworkPlan] = {}
    archiver, renderer = ConfigArchiver(), Renderer()  # per plan: nothing is kept across plans
    clients = netvm_clients(pillar, allocations)
    for name in sorted(pillar.domains):
        config = archiver.config_tar(guest_config(pillar, allocations, name,
                                                  clients.get(name, [])))
        vols = domain_volumes(pillar, name, config)
        rec = recorded.get(name)
        uuid = rec.uuid if rec is not None and rec.uuid else stable_uuid(name)
        cpus = domain_cpus(pillar, name, partitions)
        draft, meta = domain_draft(pillar, name, domain_type=dtype, uuid=uuid, pool=pool.name,
                                   volumes=vols, allocation=allocations[name], cpus=cpus)
        xml, digest = renderer.render(draft, meta, pillar.workstation)
        nets = tuple(nic.network for nic in allocations[name].nics)
        domains[name] = DomainPlan(name, uuid, xml, digest, vols, nets, allocations[name], draft,
                                   cpus, hashlib.sha256(xml.encode()).digest())
        volumes.update((v.name, v) for v in vols)
        if pillar.domains[name].provides_network:
            net = network_plan(name, pillar.workstation)
            networks[net.name] = net
    return Plan(
        dtype,
        pool,
        MappingProxyType(domains),
        MappingProxyType(dict(sorted(networks.items()))),
        MappingProxyType(dict(sorted(volumes.items()))),
        MappingProxyType(partitions),
    )


def plan_still_holds(plan: Plan, before: Mapping[str, RecordedDomain],
                     after: Mapping[str, RecordedDomain]) -> bool:
    """Whether planning from ``after`` gives ``plan`` again, ``plan`` having been made from
    ``before``: true when the only differences are newly defined domains of the plan recording
    exactly what it allocated them. (Their addresses and MACs were free and are now taken by
    themselves; every other domain's allocation is unchanged, since the allocator hands free values
    out in name order.) Anything else, such as a changed or vanished record, says no."""
    for name in before.keys() | after.keys():
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        dplan = plan.domains.get(name)
        if old is not None or new is None or dplan is None or new != read_recorded(dplan.xml):
            return False
    return True
