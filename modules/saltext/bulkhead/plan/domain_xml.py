"""libvirt domain XML for one pillar domain, per the guest contract.

Minimal attack surface: virtio disks and NICs, one serial console to a host log file, one agent
channel, one RPC channel (and a GUI channel with gui: true), a balloon with statistics; no graphics,
no USB, no sound, no host devices.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib

from lxml import etree

from .. import NAMESPACE
from ..model import Pillar
from ..model.cpu_list import format_cpu_list
from ..model.cpu_partition import partition_of
from . import lineage, names
from .allocations import Allocation
from .metadata import domain_metadata, stamp_hash
from .recorded import RecordedMemory
from .storage import VolumePlan
from .xmlutil import render, sub, text_sub

# no_timer_check: under TCG on a busy host the kernel's IO-APIC timer test can fail and panic the
# boot ("IO-APIC + timer doesn't work"); the virtual timer is fine, the test is what misfires.
BASE_CMDLINE = "console=ttyS0 quiet no_timer_check"
DISK_TARGETS = ("vda", "vdb", "vdc", "vdd")
DESCRIPTION = "Managed by bulkhead: changes made outside its pillar are reverted."


def fingerprint(pillar: Pillar, name: str) -> str:
    entry = pillar.domains[name].model_dump(mode="json", by_alias=True)
    if entry.get("cpu_partition") is None:
        del entry["cpu_partition"]  # a key added later: unpinned domains keep their fingerprint
    if not entry.get("gui"):
        del entry["gui"]  # a key added later: domains without a GUI keep their fingerprint
    if entry.get("autostart") is None:
        # recorded as false before absent meant "netvms: true": defined domains keep their
        # fingerprint, so the upgrade redefines nothing (autostart never reaches the XML)
        entry["autostart"] = False
    return hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()


def stable_uuid(name: str) -> str:
    # A new domain's UUID derives from its name so that planning twice gives the same bytes;
    # once defined, the UUID libvirt holds is recorded and kept.
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"{NAMESPACE}#domain/{name}"))


def _os(root: etree._Element, pillar: Pillar, name: str, domain_type: str) -> None:
    image = lineage.image_of(pillar, name)
    os_el = sub(root, "os")
    # Xen boots kernel images as PVH (no emulated firmware); a disk image needs Xen HVM firmware.
    text_sub(os_el, "type", "xenpvh" if domain_type == "xen" and image.kind == "kernel" else "hvm")
    if image.kind == "kernel":
        base = image.root.rsplit("/", 1)[0]
        text_sub(os_el, "kernel", image.kernel or f"{base}/vmlinuz")
        text_sub(os_el, "initrd", image.initrd or f"{base}/initrd.img")
        cmdline = f"{BASE_CMDLINE} bulkhead.name={name}"
        text_sub(os_el, "cmdline", f"{cmdline} {image.cmdline}".strip())
    else:
        sub(os_el, "boot", dev="hd")


def _disks(devices: etree._Element, pool: str, volumes: tuple[VolumePlan, ...], bus: str) -> None:
    for target, vol in zip(DISK_TARGETS, volumes, strict=False):
        disk = sub(devices, "disk", type="volume", device="disk")
        sub(disk, "driver", name="qemu", type=vol.format)
        sub(disk, "source", pool=pool, volume=vol.name)
        sub(disk, "target", dev=target if bus == "virtio" else "xv" + target[1:], bus=bus)
        if vol.role in ("config", "firewall"):
            sub(disk, "readonly")


def _interfaces(devices: etree._Element, allocation: Allocation, xen: bool,
                uplink_address: object | None) -> None:
    for nic in allocation.nics:
        iface = sub(devices, "interface", type="network")
        sub(iface, "mac", address=nic.mac)
        sub(iface, "source", network=nic.network)
        if not xen:
            sub(iface, "model", type="virtio")
        if nic.role == "uplink":
            # Anti-spoofing on the host side of a client's port; clients of one netvm cannot
            # reach each other (isolated ports), only the netvm's own, non-isolated port.
            filt = sub(iface, "filterref", filter="clean-traffic")
            sub(filt, "parameter", name="IP", value=str(allocation.address))
            sub(iface, "port", isolated="yes")
        elif nic.role == "external" and uplink_address is not None:
            # Not our network: no port isolation to ask for, but the address is still pinned.
            filt = sub(iface, "filterref", filter="clean-traffic")
            sub(filt, "parameter", name="IP", value=str(uplink_address))


def _rpc_channel(devices: etree._Element, name: str, kind: str) -> None:
    # A port of its own per domain, separate from the agent's: the host-side socket path is the
    # caller's identity for the RPC broker, so nothing a guest sends can claim another name.
    channel = sub(devices, "channel", type="unix")
    sub(channel, "source", mode="bind", path=names.rpc_socket(name))
    sub(channel, "target", type=kind, name=names.RPC_CHANNEL)


def _gui_channel(devices: etree._Element, name: str, kind: str) -> None:
    # waypipe's stream of this domain's windows (docs/gui.md); like the RPC port, the socket path
    # names the domain, so the relay labels windows by where they came from, not by what they say.
    channel = sub(devices, "channel", type="unix")
    sub(channel, "source", mode="bind", path=names.gui_socket(name))
    sub(channel, "target", type=kind, name=names.GUI_CHANNEL)


def _console_and_agent(devices: etree._Element, name: str, xen: bool) -> None:
    if xen:
        console = sub(devices, "console", type="file")
        sub(console, "source", path=names.console_log(name))
        sub(console, "target", type="xen", port="0")
        channel = sub(devices, "channel", type="unix")
        sub(channel, "source", mode="bind", path=names.agent_socket(name))
        sub(channel, "target", type="xen", name=names.AGENT_CHANNEL)
        _rpc_channel(devices, name, "xen")
        sub(devices, "memballoon", model="xen")
        return
    serial = sub(devices, "serial", type="file")
    sub(serial, "source", path=names.console_log(name))
    sub(serial, "target", port="0")
    channel = sub(devices, "channel", type="unix")
    sub(channel, "source", mode="bind", path=names.agent_socket(name))
    sub(channel, "target", type="virtio", name=names.AGENT_CHANNEL)
    _rpc_channel(devices, name, "virtio")
    balloon = sub(devices, "memballoon", model="virtio")
    sub(balloon, "stats", period="5")


def _cpus(root: etree._Element, vcpus: int, cpus: frozenset[int] | None, xen: bool) -> None:
    if cpus is None:
        text_sub(root, "vcpu", vcpus, placement="static")
        return
    # cpuset is the default for every thread of the domain; the pins say it again per vCPU and for
    # QEMU's emulator threads (its main loop, where I/O runs: no <iothreads> are defined). Xen's
    # device model runs in dom0, outside libvirt's emulatorpin.
    cpuset = format_cpu_list(cpus)
    text_sub(root, "vcpu", vcpus, placement="static", cpuset=cpuset)
    tune = sub(root, "cputune")
    for vcpu in range(vcpus):
        sub(tune, "vcpupin", vcpu=str(vcpu), cpuset=cpuset)
    if not xen:
        sub(tune, "emulatorpin", cpuset=cpuset)


def domain_xml(pillar: Pillar, name: str, *, domain_type: str, uuid: str, pool: str,
               volumes: tuple[VolumePlan, ...], allocation: Allocation,
               cpus: frozenset[int] | None = None) -> tuple[str, str]:
    """Render the domain, pinned to ``cpus`` (its CPU partition) when given; returns (xml,
    config hash recorded inside it)."""
    domain = pillar.domains[name]
    xen = domain_type == "xen"
    root = etree.Element("domain", type=domain_type)
    text_sub(root, "name", name)
    text_sub(root, "uuid", uuid)
    text_sub(root, "title", f"{name} ({domain.class_.value}, {domain.label.value})")
    text_sub(root, "description", DESCRIPTION)
    attrs = {"class": domain.class_.value, "label": domain.label.value,
             "netvm": str(domain.netvm) if domain.has_network else "none"}
    if domain.template is not None:
        attrs["template"] = domain.template
    partition = partition_of(pillar.host.cpu_partitions, domain)
    if partition is not None:
        attrs["cpu_partition"] = partition
    bounds = RecordedMemory(domain.memory.minimum, domain.memory.initial, domain.memory.maximum)
    meta = domain_metadata(name, attrs, allocation, fingerprint(pillar, name), bounds)
    for vol in volumes:
        if vol.content is not None:
            sub(meta, f"{{{NAMESPACE}}}content", volume=vol.name,
                sha256=hashlib.sha256(vol.content).hexdigest())
    sub(root, "metadata").append(meta)
    text_sub(root, "memory", domain.memory.maximum, unit="MiB")
    text_sub(root, "currentMemory", domain.memory.initial, unit="MiB")
    _cpus(root, domain.vcpus, cpus, xen)
    _os(root, pillar, name, domain_type)
    if not xen:
        features = sub(root, "features")
        sub(features, "acpi")  # lets domain_halted ask for a graceful shutdown
    text_sub(root, "on_poweroff", "destroy")
    text_sub(root, "on_reboot", "restart")
    text_sub(root, "on_crash", "destroy")
    devices = sub(root, "devices")
    _disks(devices, pool, volumes, "xen" if xen else "virtio")
    _interfaces(devices, allocation, xen,
                domain.uplink.address.ip if domain.uplink is not None else None)
    _console_and_agent(devices, name, xen)
    if domain.gui:
        _gui_channel(devices, name, "xen" if xen else "virtio")
    if not xen:
        sub(devices, "controller", type="usb", model="none")
    digest = stamp_hash(root, meta, pillar.workstation)
    return render(root), digest
