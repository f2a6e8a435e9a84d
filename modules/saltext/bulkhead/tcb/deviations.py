"""The deviations from the recommended state: each kind, how it is found in a report, and why it
matters. The pillar may accept one (``bulkhead:tcb:accept``, with a reason); ``bulkhead verify``
fails on the others."""

from __future__ import annotations

from collections.abc import Iterator

from ..model.tcb import DEVIATION_KINDS, AcceptedDeviation
from .report import Deviation, DomainReport, Report

WHY = {
    "security_driver_none":
        "no MAC driver confines QEMU: a guest that exploits its QEMU holds every file the QEMU "
        "user may open; all QEMUs share that user, so every running domain's volumes too",
    "qemu_as_root":
        "QEMU runs as root: a guest that exploits its QEMU owns the host (DAC separates nothing)",
    "dynamic_ownership_off":
        "libvirt does not hand each volume to QEMU while it runs and back to root after: volumes "
        "must be readable by QEMU's user all the time, stopped domains' included",
    "seccomp_off":
        "QEMU runs without its seccomp sandbox: an exploited QEMU may make any system call "
        "(exec, new namespaces, ...), the host kernel's whole surface",
    "graphics_device":
        "an emulated display (VNC/SPICE server, video card) is a large parser of guest input in "
        "QEMU and a host-side listener; bulkhead's GUI goes through a sandboxed per-domain channel",
    "sound_device":
        "an emulated sound card and its host audio backend are code a guest drives directly",
    "usb_device":
        "an emulated USB controller or device adds a complex emulated bus to QEMU's surface",
    "passthrough_device":
        "a host device given to the guest: its DMA and firmware are within the guest's reach, "
        "and the device is no longer the host's",
    "nic_bypasses_netvm":
        "a NIC outside bulkhead's bridges: the domain's traffic skips its netvm's firewall and "
        "the host's anti-spoofing",
    "allow_to_admin":
        "an allow into the admin domain (dom0) runs a service on the host for a guest without "
        "asking: that service joins the TCB",
    "partition_mixes_trust":
        "domains of different trust share CPU cores: caches and other shared core state carry "
        "side channels between them (data-leaks, type 2)",
}


def _host(report: Report) -> Iterator[tuple[str, str | None, str]]:
    conf = report.qemu_conf
    if report.security_driver == "none":
        yield "security_driver_none", None, f"libvirt's security model is none ({report.lsm})"
    if conf.get("read") and conf.get("user") in ("root", "0"):
        yield "qemu_as_root", None, f"{conf['path']}: user = {conf['user']}"
    if conf.get("read") and not conf.get("dynamic_ownership"):
        yield "dynamic_ownership_off", None, f"{conf['path']}: dynamic_ownership = 0"
    if conf.get("read") and conf.get("seccomp_sandbox", 1) <= 0:
        yield "seccomp_off", None, f"{conf['path']}: seccomp_sandbox = {conf['seccomp_sandbox']}"


def _domain(dom: DomainReport) -> Iterator[tuple[str, str | None, str]]:
    if dom.qemu is not None and dom.qemu.uid == 0:
        yield "qemu_as_root", dom.name, f"QEMU pid {dom.qemu.pid} runs as uid 0"
    if dom.qemu is not None and dom.qemu.seccomp != "filter":
        yield "seccomp_off", dom.name, f"QEMU pid {dom.qemu.pid}: Seccomp {dom.qemu.seccomp}"
    surface = dom.surface
    for kind, found in (("graphics_device", surface.graphics), ("sound_device", surface.sound),
                        ("usb_device", surface.usb), ("passthrough_device", surface.passthrough)):
        if found:
            yield kind, dom.name, ", ".join(found)
    if surface.passthrough_nics and not dom.provides_network:
        yield "nic_bypasses_netvm", dom.name, ", ".join(surface.passthrough_nics)


def _edges(report: Report) -> Iterator[tuple[str, str | None, str]]:
    for edge in report.edges:
        if edge.target == "dom0" and edge.verdict == "allow":
            yield ("allow_to_admin", edge.source,
                   f"{edge.service} from {edge.source} to dom0 ({edge.rule})")


def _partitions(report: Report) -> Iterator[tuple[str, str | None, str]]:
    groups: dict[str, list[DomainReport]] = {}
    for dom in report.domains:
        if dom.cpu_partition is not None:
            groups.setdefault(dom.cpu_partition, []).append(dom)
    for name, members in sorted(groups.items()):
        labels = sorted({d.label for d in members}, key=lambda lbl: min(
            d.trust for d in members if d.label == lbl))
        if len(labels) > 1:
            most = max(members, key=lambda d: d.trust)
            who = ", ".join(f"{d.name} ({d.label})" for d in members)
            yield "partition_mixes_trust", most.name, f"partition {name}: {who}"


def _accepted(kind: str, domain: str | None, accept: tuple[AcceptedDeviation, ...]) -> str | None:
    for entry in accept:
        if entry.deviation == kind and entry.domain in (None, domain):
            return entry.reason
    return None


def find_deviations(report: Report, accept: tuple[AcceptedDeviation, ...]) -> tuple[Deviation, ...]:
    found = [*_host(report), *(f for dom in report.domains for f in _domain(dom)),
             *_edges(report), *_partitions(report)]
    unique = sorted(set(found), key=lambda f: (DEVIATION_KINDS.index(f[0]), f[1] or "", f[2]))
    return tuple(Deviation(kind, domain, detail, WHY[kind], _accepted(kind, domain, accept))
                 for kind, domain, detail in unique)
