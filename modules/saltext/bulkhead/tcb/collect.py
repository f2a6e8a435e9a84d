"""Build the TCB report of a pillar on a live libvirt host: libvirt's capabilities and domains,
QEMU's processes (/proc), qemu.conf, the installed RPC policy, and the pillar."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import libvirt
from lxml import etree

from ..model import Pillar
from ..policy import Policy
from ..rpc.facts import policy_power, system_from
from ..virt.context import current_plan
from ..virt.inventory import lookup
from ..virt.power import state_name
from .components import host_components
from .deviations import find_deviations
from .edges import rpc_edges
from .position import firewall_summary, netvm_chain
from .processes import Lsm, pid_from_file, process, read_lsm
from .qemu_conf import QemuConf, read_qemu_conf
from .report import DomainReport, QemuProcess, Report
from .surface import surface_of

QEMU_RUN = Path("/run/libvirt/qemu")
ACCELERATOR = {"kvm": "KVM", "qemu": "TCG", "xen": "Xen", "test": "test"}


def _version(number: int) -> str:
    return f"{number // 1000000}.{number // 1000 % 1000}.{number % 1000}"


def secmodels(caps: str) -> tuple[tuple[str, ...], str]:
    """libvirt's security models (the first is the MAC driver, or none) and the DAC label."""
    host = etree.fromstring(caps.encode()).find("host")
    if host is None:
        return (), ""
    models = tuple(m.findtext("model") or "" for m in host.findall("secmodel"))
    labels = host.xpath("secmodel[model='dac']/baselabel/text()")
    return models, (labels[0] if labels else "")


def _lsm_words(lsm: Lsm) -> str:
    loaded = ",".join(lsm.loaded) or "no LSM listed"
    can = "AppArmor loadable" if lsm.apparmor_possible else "AppArmor cannot be loaded"
    return f"{loaded}; {can} ({lsm.source})"


def _qemu(name: str, run_dir: Path) -> QemuProcess | None:
    pid = pid_from_file(run_dir / f"{name}.pid")
    proc = process(pid) if pid is not None else None
    if proc is None:
        return None
    return QemuProcess(proc.pid, proc.user, proc.uid, proc.gid, proc.seccomp)


def _domain(conn: Any, pillar: Pillar, name: str, planned: str, qemu_host: bool) -> DomainReport:
    entry = pillar.domains[name]
    dom = lookup(conn.lookupByName, name)
    state, source, xml, qemu = "not defined", "planned", planned, None
    if dom is not None:
        try:
            active = bool(dom.isActive())
            state = state_name(dom.state(0)[0])
            xml, source = (dom.XMLDesc(0), "live") if active else (
                dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE), "defined")
            qemu = _qemu(name, QEMU_RUN) if active and qemu_host else None
        except libvirt.libvirtError:
            pass  # gone while we read it: the plan's XML stands for it
    kind = etree.fromstring(xml.encode()).get("type") or "?"
    partition = getattr(entry, "cpu_partition", None)
    return DomainReport(
        name=name, label=entry.label.value, trust=entry.trust_level, klass=entry.class_.value,
        state=state, xml_source=source, accelerator=ACCELERATOR.get(kind, kind), qemu=qemu,
        surface=surface_of(xml), netvm_chain=netvm_chain(pillar, name),
        provides_network=entry.provides_network, firewall=firewall_summary(entry),
        cpu_partition=None if partition is None else str(partition))


def _policy(pillar: Pillar) -> tuple[Policy, str]:
    """The installed policy directory; the pillar's files when nothing is installed yet."""
    directory = Path(pillar.policy.dir)
    if directory.is_dir():
        return Policy.load(directory), f"installed: {directory}"
    files = {n: pillar.policy.text_of(n) for n in pillar.policy.files}
    return Policy.from_files(files), "the pillar's files (not installed yet)"


def _powers(conn: Any, pillar: Pillar) -> dict[str, tuple[str, str]]:
    found = {}
    for name in pillar.domains:
        dom = lookup(conn.lookupByName, name)
        try:
            found[name] = (policy_power(dom.state(0)[0]), dom.UUIDString()) if dom else (
                "Halted", "")
        except libvirt.libvirtError:
            found[name] = ("Halted", "")
    return found


def collect(conn: Any, pillar: Pillar, *, qemu_conf: QemuConf | None = None,
            lsm: Lsm | None = None) -> Report:
    """Raises PolicySyntaxError when the installed policy does not parse (no edges to show)."""
    caps = conn.getCapabilities()
    models, dac = secmodels(caps)
    driver = conn.getType()
    qemu_host = driver == "QEMU" and conn.getURI().startswith("qemu:///system")
    conf = qemu_conf or (read_qemu_conf() if qemu_host else QemuConf(read=False))
    lsm = lsm or read_lsm()
    hypervisor = f"{driver} {_version(conn.getVersion())}"
    plan = current_plan(conn, pillar)
    domains = tuple(_domain(conn, pillar, n, plan.domains[n].xml, qemu_host)
                    for n in sorted(pillar.domains))
    policy, policy_source = _policy(pillar)
    system = system_from(pillar, _powers(conn, pillar))
    partitions = getattr(pillar.host, "cpu_partitions", None)
    report = Report(
        workstation=pillar.workstation, uri=conn.getURI(), kernel=_uname(),
        hypervisor=hypervisor, security_driver=models[0] if models else "none",
        security_models=models, dac_label=dac, lsm=_lsm_words(lsm), qemu_conf=asdict(conf),
        components=host_components(pillar, _version(conn.getLibVersion()), hypervisor),
        domains=domains, edges=tuple(rpc_edges(policy, system, sorted(pillar.domains))),
        policy_source=policy_source,
        cpu_partitions=None if not partitions else {str(k): str(v) for k, v in dict(
            partitions).items()})
    return replace(report, deviations=find_deviations(report, pillar.tcb.accept))


def _uname() -> str:
    import os

    uname = os.uname()
    return f"{uname.sysname} {uname.release}"
