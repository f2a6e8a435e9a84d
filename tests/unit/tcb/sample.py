"""A fixed report with every deviation kind in it, built from XML and policy text alone."""

from __future__ import annotations

from dataclasses import replace

from saltext.bulkhead.model.tcb import AcceptedDeviation
from saltext.bulkhead.policy import DomainInfo, Policy, System
from saltext.bulkhead.tcb.deviations import find_deviations
from saltext.bulkhead.tcb.edges import rpc_edges
from saltext.bulkhead.tcb.report import DomainReport, QemuProcess, Report
from saltext.bulkhead.tcb.surface import surface_of

CLEAN_XML = """<domain type='kvm'><name>{name}</name><devices>
<emulator>/usr/bin/qemu-system-x86_64</emulator>
<disk type='volume' device='disk'><target dev='vda' bus='virtio'/></disk>
<interface type='network'><model type='virtio'/></interface>
<serial type='file'/><channel type='unix'><target type='virtio' name='org.bulkhead.agent.0'/>
</channel><memballoon model='virtio'/><controller type='usb' model='none'/>
</devices></domain>"""
LOUD_XML = """<domain type='qemu'><name>loud</name><devices>
<graphics type='vnc' port='-1'/><video><model type='cirrus'/></video>
<sound model='ich6'/><controller type='usb' model='qemu-xhci'/>
<input type='tablet' bus='usb'/>
<hostdev mode='subsystem' type='pci'><source><address bus='0x03'/></source></hostdev>
<interface type='hostdev'><source><address type='pci' bus='0x04'/></source></interface>
</devices></domain>"""
POLICY = """qubes.Filecopy * work vault ask
qubes.GetDate * work @adminvm allow
qubes.Gpg * work vault allow
"""
CONF = {"user": "root", "group": "root", "dynamic_ownership": False, "seccomp_sandbox": 0,
        "security_driver": "none", "path": "/etc/libvirt/qemu.conf", "read": True}


def domain(name: str, label: str, trust: int, xml: str, *, qemu: QemuProcess | None = None,
           partition: str | None = None, net: bool = False) -> DomainReport:
    return DomainReport(name=name, label=label, trust=trust, klass="app", state="running",
                        xml_source="live", accelerator="KVM", qemu=qemu, surface=surface_of(xml),
                        netvm_chain=(name,), provides_network=net, firewall="no network interface",
                        cpu_partition=partition)


def sample(accept: tuple[AcceptedDeviation, ...] = ()) -> Report:
    system = System({"dom0": DomainInfo("dom0", "AdminVM", power_state="Running"),
                     "work": DomainInfo("work", "AppVM"), "vault": DomainInfo("vault", "AppVM"),
                     "loud": DomainInfo("loud", "AppVM")})
    edges = rpc_edges(Policy.from_text(POLICY, "30-test.policy"), system, ["loud", "vault", "work"])
    domains = (
        domain("loud", "red", 0, LOUD_XML, partition="p0"),
        domain("vault", "black", 7, CLEAN_XML.format(name="vault"), partition="p0",
               qemu=QemuProcess(4242, "root", 0, 0, "off")),
        domain("work", "blue", 5, CLEAN_XML.format(name="work"), partition="p1",
               qemu=QemuProcess(4343, "libvirt-qemu", 64055, 64055, "filter")),
    )
    report = Report(
        workstation="lab", uri="qemu:///system", kernel="Linux 6.1", hypervisor="QEMU 7.2.0",
        security_driver="none", security_models=("none", "dac"), dac_label="+0:+0",
        lsm="no LSM listed", qemu_conf=CONF, components=(), domains=domains, edges=tuple(edges),
        policy_source="installed: /etc/bulkhead/policy.d", cpu_partitions={"p0": "0", "p1": "1"})
    return replace(report, deviations=find_deviations(report, accept))
