"""The TCB report's data: what the host runs that every domain trusts, each domain's surface and
position, and the deviations from the recommended state. ``to_json`` is the stable form
(schema ``bulkhead-tcb/1``, documented field by field in docs/tcb.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .edges import Edge
from .surface import Surface

SCHEMA = "bulkhead-tcb/1"


@dataclass(frozen=True)
class Component:
    """One trusted host component: what it is, its version, its processes, how it is confined."""

    name: str
    role: str  # its Qubes equivalent, or what it does for the domains
    version: str = ""
    processes: tuple[str, ...] = ()  # "PID user seccomp=filter"
    lines: int | None = None  # bulkhead's own code: lines of Python it runs
    note: str = ""


@dataclass(frozen=True)
class QemuProcess:
    pid: int
    user: str
    uid: int
    gid: int
    seccomp: str


@dataclass(frozen=True)
class DomainReport:
    name: str
    label: str
    trust: int  # 0 red .. 7 black
    klass: str
    state: str  # running, paused, shut off, not defined ...
    xml_source: str  # live, defined or planned
    accelerator: str  # KVM, TCG, Xen, test
    qemu: QemuProcess | None
    surface: Surface
    netvm_chain: tuple[str, ...]  # the domain first, then each netvm, then "uplink:NET" if any
    provides_network: bool
    firewall: str
    cpu_partition: str | None


@dataclass(frozen=True)
class Deviation:
    kind: str
    domain: str | None  # None: the whole host
    detail: str
    why: str
    accepted: str | None = None  # the pillar's reason, when it accepts this one

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    workstation: str
    uri: str
    kernel: str
    hypervisor: str  # libvirt driver and version: "QEMU 7.2.22"
    security_driver: str  # libvirt's first secmodel: apparmor, selinux, none
    security_models: tuple[str, ...]
    dac_label: str  # +UID:+GID QEMU runs as without a per-domain label
    lsm: str  # what the kernel has loaded and could load
    qemu_conf: dict[str, Any]
    components: tuple[Component, ...]
    domains: tuple[DomainReport, ...]
    edges: tuple[Edge, ...]
    policy_source: str
    cpu_partitions: dict[str, str] | None  # None: not configured
    deviations: tuple[Deviation, ...] = field(default=())

    @property
    def unaccepted(self) -> tuple[Deviation, ...]:
        return tuple(d for d in self.deviations if d.accepted is None)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["schema"] = SCHEMA
        data["edges"] = [e.to_json() for e in self.edges]
        for dom in data["domains"]:
            dom["class"] = dom.pop("klass")
        return dict(sorted(data.items()))
