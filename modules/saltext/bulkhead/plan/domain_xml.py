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
ROOT = 0  # a draft's root element (elements are added under their parent's index)
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


def _os(draft: Draft, pillar: Pillar, name: str, domain_type: str) -> None:
    image = lineage.image_of(pillar, name)
    os_el = draft.sub(ROOT, "os")
    # Xen boots kernel images as PVH (no emulated firmware); a disk image needs Xen HVM firmware.
    draft.text_sub(os_el, "type",
                   "xenpvh" if domain_type == "xen" and image.kind == "kernel" else "hvm")
    if image.kind == "kernel":
        base = image.root.rsplit("/", 1)[0]
        draft.text_sub(os_el, "kernel", image.kernel or f"{base}/vmlinuz")
        draft.text_sub(os_el, "initrd", image.initrd or f"{base}/initrd.img")
        cmdline = f"{BASE_CMDLINE} bulkhead.name={name}"
        draft.text_sub(os_el, "cmdline", f"{cmdline} {image.cmdline}".strip())
    else:
        draft.sub(os_el, "boot", dev="hd")


def _disks(draft: Draft, devices: int, pool: str, volumes: tuple[VolumePlan, ...],
           bus: str) -> None:
    for target, vol in zip(DISK_TARGETS, volumes, strict=False):
        disk = draft.sub(devices, "disk", type="volume", device="disk")
        draft.sub(disk, "driver", name="qemu", type=vol.format)
        draft.sub(disk, "source", pool=pool, volume=vol.name)
        draft.sub(disk, "target", dev=target if bus == "virtio" else "xv" + target[1:], bus=bus)
        if vol.role in ("config", "firewall"):
            draft.sub(disk, "readonly")


def _interfaces(draft: Draft, devices: int, allocation: Allocation, xen: bool,
                uplink_address: object | None) -> None:
    for nic in allocation.nics:
        iface = draft.sub(devices, "interface", type="network")
        draft.sub(iface, "mac", address=nic.mac)
        draft.sub(iface, "source", network=nic.network)
        if not xen:
            draft.sub(iface, "model", type="virtio")
        if nic.role == "uplink":
            # Anti-spoofing on the host side of a client's port; clients of one netvm cannot
            # reach each other (isolated ports), only the netvm's own, non-isolated port.
            filt = draft.sub(iface, "filterref", filter="clean-traffic")
            draft.sub(filt, "parameter", name="IP", value=str(allocation.address))
            draft.sub(iface, "port", isolated="yes")
        elif nic.role == "external" and uplink_address is not None:
            # Not our network: no port isolation to ask for, but the address is still pinned.
            filt = draft.sub(iface, "filterref", filter="clean-traffic")
            draft.sub(filt, "parameter", name="IP", value=str(uplink_address))


def _rpc_channel(draft: Draft, devices: int, name: str, kind: str) -> None:
    # A port of its own per domain, separate from the agent's: the host-side socket path is the
    # caller's identity for the RPC broker, so nothing a guest sends can claim another name.
    channel = draft.sub(devices, "channel", type="unix")
    draft.sub(channel, "source", mode="bind", path=names.rpc_socket(name))
    draft.sub(channel, "target", type=kind, name=names.RPC_CHANNEL)


def _gui_channel(draft: Draft, devices: int, name: str, kind: str) -> None:
    # waypipe's stream of this domain's windows (docs/gui.md); like the RPC port, the socket path
    # names the domain, so the relay labels windows by where they came from, not by what they say.
    channel = draft.sub(devices, "channel", type="unix")
    draft.sub(channel, "source", mode="bind", path=names.gui_socket(name))
    draft.sub(channel, "target", type=kind, name=names.GUI_CHANNEL)


def _console_and_agent(draft: Draft, devices: int, name: str, xen: bool) -> None:
    if xen:
        console = draft.sub(devices, "console", type="file")
        draft.sub(console, "source", path=names.console_log(name))
        draft.sub(console, "target", type="xen", port="0")
        channel = draft.sub(devices, "channel", type="unix")
        draft.sub(channel, "source", mode="bind", path=names.agent_socket(name))
        draft.sub(channel, "target", type="xen", name=names.AGENT_CHANNEL)
        _rpc_channel(draft, devices, name, "xen")
        draft.sub(devices, "memballoon", model="xen")
        return
    serial = draft.sub(devices, "serial", type="file")
    draft.sub(serial, "source", path=names.console_log(name))
    draft.sub(serial, "target", port="0")
    channel = draft.sub(devices, "channel", type="unix")
    draft.sub(channel, "source", mode="bind", path=names.agent_socket(name))
    draft.sub(channel, "target", type="virtio", name=names.AGENT_CHANNEL)
    _rpc_channel(draft, devices, name, "virtio")
    balloon = draft.sub(devices, "memballoon", model="virtio")
    draft.sub(balloon, "stats", period="5")


def _cpus(draft: Draft, vcpus: int, cpus: frozenset[int] | None, xen: bool) -> None:
    if cpus is None:
        draft.text_sub(ROOT, "vcpu", vcpus, placement="static")
        return
    # cpuset is the default for every thread of the domain; the pins say it again per vCPU and for
    # QEMU's emulator threads (its main loop, where I/O runs: no <iothreads> are defined). Xen's
    # device model runs in dom0, outside libvirt's emulatorpin.
    cpuset = format_cpu_list(cpus)
    draft.text_sub(ROOT, "vcpu", vcpus, placement="static", cpuset=cpuset)
    tune = draft.sub(ROOT, "cputune")
    for vcpu in range(vcpus):
        draft.sub(tune, "vcpupin", vcpu=str(vcpu), cpuset=cpuset)
    if not xen:
        draft.sub(tune, "emulatorpin", cpuset=cpuset)


def domain_draft(pillar: Pillar, name: str, *, domain_type: str, uuid: str, pool: str,
                 volumes: tuple[VolumePlan, ...], allocation: Allocation,
                 cpus: frozenset[int] | None = None) -> tuple[Draft, Node]:
    """The domain's document, pinned to ``cpus`` (its CPU partition) when given, and our metadata
    element in it (where rendering records the config hash: ``draft.Renderer``)."""
    domain = pillar.domains[name]
    xen = domain_type == "xen"
    draft = Draft("domain", type=domain_type)
    draft.text_sub(ROOT, "name", name)
    draft.text_sub(ROOT, "uuid", uuid)
    draft.text_sub(ROOT, "title", f"{name} ({domain.class_.value}, {domain.label.value})")
    draft.text_sub(ROOT, "description", DESCRIPTION)
    attrs = {"class": domain.class_.value, "label": domain.label.value,
             "netvm": str(domain.netvm) if domain.has_network else "none"}
    if domain.template is not None:
        attrs["template"] = domain.template
    partition = partition_of(pillar.host.cpu_partitions, domain)
    if partition is not None:
        attrs["cpu_partition"] = partition
    bounds = RecordedMemory(domain.memory.minimum, domain.memory.initial, domain.memory.maximum)
    meta = domain_metadata(Node(draft, draft.sub(ROOT, "metadata")), attrs, allocation,
                           fingerprint(pillar, name), bounds)
    for vol in volumes:
        if vol.content_sha256 is not None:
            meta.sub(f"{{{NAMESPACE}}}content", volume=vol.name, sha256=vol.content_sha256)
    draft.text_sub(ROOT, "memory", domain.memory.maximum, unit="MiB")
    draft.text_sub(ROOT, "currentMemory", domain.memory.initial, unit="MiB")
    _cpus(draft, domain.vcpus, cpus, xen)
    _os(draft, pillar, name, domain_type)
    if not xen:
        features = draft.sub(ROOT, "features")
        draft.sub(features, "acpi")  # lets domain_halted ask for a graceful shutdown
    draft.text_sub(ROOT, "on_poweroff", "destroy")
    draft.text_sub(ROOT, "on_reboot", "restart")
    draft.text_sub(ROOT, "on_crash", "destroy")
    devices = draft.sub(ROOT, "devices")
    _disks(draft, devices, pool, volumes, "xen" if xen else "virtio")
    _interfaces(draft, devices, allocation, xen,
                domain.uplink.address.ip if domain.uplink is not None else None)
    _console_and_agent(draft, devices, name, xen)
    if domain.gui:
        _gui_channel(draft, devices, name, "xen" if xen else "virtio")
    if not xen:
        draft.sub(devices, "controller", type="usb", model="none")
    return draft, meta
