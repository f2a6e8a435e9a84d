"""libvirt domain XML for one pillar domain, per the guest contract.

Minimal attack surface: virtio disks and NICs, one serial console to a host log file, one agent
channel, one RPC channel (and a GUI channel with gui: true), a balloon with statistics; no graphics,
no USB, no sound, no host devices.
"""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from json.encoder import (  # type: ignore[attr-defined]
    JSONEncoder,
    c_make_encoder,
    encode_basestring_ascii,
)

from .. import NAMESPACE
from ..model import Pillar
from ..model.cpu_list import format_cpu_list
from ..model.cpu_partition import partition_of
from . import lineage, names
from .allocations import Allocation
from .draft import Draft, Node
from .metadata import domain_metadata
from .recorded import RecordedMemory
from .storage import VolumePlan

# no_timer_check: under TCG on a busy host the kernel's IO-APIC timer test can fail and panic the
# boot ("IO-APIC + timer doesn't work"); the virtual timer is fine, the test is what misfires.
BASE_CMDLINE = "console=ttyS0 quiet no_timer_check"
DISK_TARGETS = ("vda", "vdb", "vdc", "vdd")
DESCRIPTION = "Managed by bulkhead: changes made outside its pillar are reverted."
# json.dumps(..., sort_keys=True) as chunks, by the C encoder json makes on every call (made once:
# one does for every domain; no check for cycles, which a dumped model cannot hold)
_SORTED_JSON = c_make_encoder(None, JSONEncoder().default, encode_basestring_ascii, None,
                              ": ", ", ", True, False, True)


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
    return hashlib.sha256("".join(_SORTED_JSON(entry, 0)).encode()).hexdigest()


def stable_uuid(name: str) -> str:
    # A new domain's UUID derives from its name so that planning twice gives the same bytes;
    # once defined, the UUID libvirt holds is recorded and kept.
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"{NAMESPACE}#domain/{name}"))


def _os(root: Node, pillar: Pillar, name: str, domain_type: str) -> None:
    image = lineage.image_of(pillar, name)
    os_el = root.sub("os")
    # Xen boots kernel images as PVH (no emulated firmware); a disk image needs Xen HVM firmware.
    os_el.text_sub("type", "xenpvh" if domain_type == "xen" and image.kind == "kernel" else "hvm")
    if image.kind == "kernel":
        base = image.root.rsplit("/", 1)[0]
        os_el.text_sub("kernel", image.kernel or f"{base}/vmlinuz")
        os_el.text_sub("initrd", image.initrd or f"{base}/initrd.img")
        cmdline = f"{BASE_CMDLINE} bulkhead.name={name}"
        os_el.text_sub("cmdline", f"{cmdline} {image.cmdline}".strip())
    else:
        os_el.sub("boot", dev="hd")


def _disks(devices: Node, pool: str, volumes: tuple[VolumePlan, ...], bus: str) -> None:
    for target, vol in zip(DISK_TARGETS, volumes, strict=False):
        disk = devices.sub("disk", type="volume", device="disk")
        disk.sub("driver", name="qemu", type=vol.format)
        disk.sub("source", pool=pool, volume=vol.name)
        disk.sub("target", dev=target if bus == "virtio" else "xv" + target[1:], bus=bus)
        if vol.role in ("config", "firewall"):
            disk.sub("readonly")


def _interfaces(devices: Node, allocation: Allocation, xen: bool,
                uplink_address: object | None) -> None:
    for nic in allocation.nics:
        iface = devices.sub("interface", type="network")
        iface.sub("mac", address=nic.mac)
        iface.sub("source", network=nic.network)
        if not xen:
            iface.sub("model", type="virtio")
        if nic.role == "uplink":
            # Anti-spoofing on the host side of a client's port; clients of one netvm cannot
            # reach each other (isolated ports), only the netvm's own, non-isolated port.
            filt = iface.sub("filterref", filter="clean-traffic")
            filt.sub("parameter", name="IP", value=str(allocation.address))
            iface.sub("port", isolated="yes")
        elif nic.role == "external" and uplink_address is not None:
            # Not our network: no port isolation to ask for, but the address is still pinned.
            filt = iface.sub("filterref", filter="clean-traffic")
            filt.sub("parameter", name="IP", value=str(uplink_address))


def _rpc_channel(devices: Node, name: str, kind: str) -> None:
    # A port of its own per domain, separate from the agent's: the host-side socket path is the
    # caller's identity for the RPC broker, so nothing a guest sends can claim another name.
    channel = devices.sub("channel", type="unix")
    channel.sub("source", mode="bind", path=names.rpc_socket(name))
    channel.sub("target", type=kind, name=names.RPC_CHANNEL)


def _gui_channel(devices: Node, name: str, kind: str) -> None:
    # waypipe's stream of this domain's windows (docs/gui.md); like the RPC port, the socket path
    # names the domain, so the relay labels windows by where they came from, not by what they say.
    channel = devices.sub("channel", type="unix")
    channel.sub("source", mode="bind", path=names.gui_socket(name))
    channel.sub("target", type=kind, name=names.GUI_CHANNEL)


def _console_and_agent(devices: Node, name: str, xen: bool) -> None:
    if xen:
        console = devices.sub("console", type="file")
        console.sub("source", path=names.console_log(name))
        console.sub("target", type="xen", port="0")
        channel = devices.sub("channel", type="unix")
        channel.sub("source", mode="bind", path=names.agent_socket(name))
        channel.sub("target", type="xen", name=names.AGENT_CHANNEL)
        _rpc_channel(devices, name, "xen")
        devices.sub("memballoon", model="xen")
        return
    serial = devices.sub("serial", type="file")
    serial.sub("source", path=names.console_log(name))
    serial.sub("target", port="0")
    channel = devices.sub("channel", type="unix")
    channel.sub("source", mode="bind", path=names.agent_socket(name))
    channel.sub("target", type="virtio", name=names.AGENT_CHANNEL)
    _rpc_channel(devices, name, "virtio")
    balloon = devices.sub("memballoon", model="virtio")
    balloon.sub("stats", period="5")


def _cpus(root: Node, vcpus: int, cpus: frozenset[int] | None, xen: bool) -> None:
    if cpus is None:
        root.text_sub("vcpu", vcpus, placement="static")
        return
    # cpuset is the default for every thread of the domain; the pins say it again per vCPU and for
    # QEMU's emulator threads (its main loop, where I/O runs: no <iothreads> are defined). Xen's
    # device model runs in dom0, outside libvirt's emulatorpin.
    cpuset = format_cpu_list(cpus)
    root.text_sub("vcpu", vcpus, placement="static", cpuset=cpuset)
    tune = root.sub("cputune")
    for vcpu in range(vcpus):
        tune.sub("vcpupin", vcpu=str(vcpu), cpuset=cpuset)
    if not xen:
        tune.sub("emulatorpin", cpuset=cpuset)


def domain_draft(pillar: Pillar, name: str, *, domain_type: str, uuid: str, pool: str,
                 volumes: tuple[VolumePlan, ...], allocation: Allocation,
                 cpus: frozenset[int] | None = None) -> tuple[Draft, Node]:
    """The domain's document, pinned to ``cpus`` (its CPU partition) when given, and our metadata
    element in it (where rendering records the config hash: ``draft.Renderer``)."""
    domain = pillar.domains[name]
    xen = domain_type == "xen"
    draft = Draft("domain", type=domain_type)
    root = draft.root
    root.text_sub("name", name)
    root.text_sub("uuid", uuid)
    root.text_sub("title", f"{name} ({domain.class_.value}, {domain.label.value})")
    root.text_sub("description", DESCRIPTION)
    attrs = {"class": domain.class_.value, "label": domain.label.value,
             "netvm": str(domain.netvm) if domain.has_network else "none"}
    if domain.template is not None:
        attrs["template"] = domain.template
    partition = partition_of(pillar.host.cpu_partitions, domain)
    if partition is not None:
        attrs["cpu_partition"] = partition
    bounds = RecordedMemory(domain.memory.minimum, domain.memory.initial, domain.memory.maximum)
    meta = domain_metadata(root.sub("metadata"), attrs, allocation, fingerprint(pillar, name),
                           bounds)
    for vol in volumes:
        if vol.content is not None:
            meta.sub(f"{{{NAMESPACE}}}content", volume=vol.name,
                     sha256=hashlib.sha256(vol.content).hexdigest())
    root.text_sub("memory", domain.memory.maximum, unit="MiB")
    root.text_sub("currentMemory", domain.memory.initial, unit="MiB")
    _cpus(root, domain.vcpus, cpus, xen)
    _os(root, pillar, name, domain_type)
    if not xen:
        features = root.sub("features")
        features.sub("acpi")  # lets domain_halted ask for a graceful shutdown
    root.text_sub("on_poweroff", "destroy")
    root.text_sub("on_reboot", "restart")
    root.text_sub("on_crash", "destroy")
    devices = root.sub("devices")
    _disks(devices, pool, volumes, "xen" if xen else "virtio")
    _interfaces(devices, allocation, xen,
                domain.uplink.address.ip if domain.uplink is not None else None)
    _console_and_agent(devices, name, xen)
    if domain.gui:
        _gui_channel(devices, name, "xen" if xen else "virtio")
    if not xen:
        devices.sub("controller", type="usb", model="none")
    return draft, meta
