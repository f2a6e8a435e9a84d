"""Resolve ``host.domain_type`` (auto|kvm|qemu|xen) to what this connection can really run."""

from __future__ import annotations

import functools
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import libvirt
from lxml import etree

from .connection import Connection
from .errors import BulkheadVirtError
from .kvm_boot import boot_probe
from .kvm_console import BootVerdict
from .kvm_verdict_cache import cached_verdict, ioctl_key, store_verdict, verdict_key

if TYPE_CHECKING:
    from ..model import Pillar

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 5.0


@functools.lru_cache(maxsize=4)
def kvm_usable(device: str = "/dev/kvm", timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Run the KVM probe in a child process: a hang (as under broken nesting) cannot block us."""
    try:
        proc = subprocess.run([sys.executable, "-m", "saltext.bulkhead.virt.kvm_probe", device],
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False  # subprocess.run killed the hung child
    return proc.returncode == 0


def boot_verdict(emulator: str, kernel: str) -> BootVerdict:
    """The cached verdict for this kernel and emulator, or a fresh boot probe (then cached)."""
    try:
        key = verdict_key(kernel, emulator)
    except OSError as exc:
        return BootVerdict(False, f"cannot probe KVM by booting {kernel}: {exc}")
    return _remembered(key, lambda: boot_probe(emulator, kernel))


def ioctl_verdict(device: str = "/dev/kvm") -> BootVerdict:
    """``kvm_usable``'s answer, cached while ``device`` is the same device node: a process
    spares the probe's child process (a Python start-up, some 400 ms)."""
    def probe() -> BootVerdict:
        usable = kvm_usable(device)
        return BootVerdict(usable, f"the ioctl probe {'ran' if usable else 'failed'} on {device}")

    return _remembered(ioctl_key(device), probe)


def _remembered(key: str, probe: Callable[[], BootVerdict]) -> BootVerdict:
    cached = cached_verdict(key)
    if cached is not None:
        return cached
    verdict = probe()
    try:
        store_verdict(key, verdict)
    except OSError as exc:  # a read-only /run only costs a new probe next time
        log.warning("bulkhead: cannot cache the KVM verdict: %s", exc)
    return verdict


def kvm_runs_guests(emulator: str | None, kernel: str | None) -> bool:
    """KVM passes the ioctl probe and, given a kernel, really boots it with ``emulator``."""
    if not ioctl_verdict().runs:
        log.info("bulkhead: KVM unusable (ioctl probe failed); using TCG")
        return False
    if kernel is None:
        log.warning("bulkhead: no kernel-boot template to test KVM with; trusting the ioctl probe "
                    "alone (set host:domain_type: qemu if KVM guests hang)")
        return True
    if emulator is None:
        log.info("bulkhead: libvirt names no emulator for %s guests; using TCG", os.uname().machine)
        return False
    verdict = boot_verdict(emulator, kernel)
    log.info("bulkhead: KVM boot probe with %s: %s", kernel, verdict.reason)
    return verdict.runs


def probe_kernel(pillar: Pillar) -> str | None:
    """The kernel of the first (by name) kernel-boot template, else of any kernel-boot domain."""
    booting = sorted((d.class_.value != "template", name, d.image.kernel)
                     for name, d in pillar.domains.items()
                     if d.image is not None and d.image.kind == "kernel" and d.image.kernel)
    return booting[0][2] if booting else None


def emulator_for(capabilities_xml: str, arch: str, domain_type: str = "kvm") -> str | None:
    """The emulator libvirt runs for ``domain_type`` guests of ``arch`` (a per-type one wins)."""
    doc = etree.fromstring(capabilities_xml.encode())
    for arch_el in (a for a in doc.iterfind("guest/arch") if a.get("name") == arch):
        for domain in arch_el.iterfind("domain"):
            if domain.get("type") == domain_type:
                return domain.findtext("emulator") or arch_el.findtext("emulator")
    return None


def offered_types(capabilities_xml: str) -> set[str]:
    """Domain types the connection's capabilities offer for any guest OS and architecture."""
    doc = etree.fromstring(capabilities_xml.encode())
    return {d.get("type", "") for d in doc.iterfind("guest/arch/domain")}


def resolve(conn: Connection, requested: str, *, kernel: str | None = None,
            kvm_check: Callable[[], bool] | None = None, domain_caps: bool = False,
            confirm_fallback: bool = True) -> str:
    """The domain type to render for ``conn``.

    ``auto`` picks kvm when libvirt offers kvm and the probes prove a KVM guest runs: the ioctl
    probe, then booting ``kernel`` (a template's) with libvirt's emulator, else qemu (TCG).
    libvirt's test driver only offers its own type ('test'), which auto then selects so that
    functional tests exercise the very same code. An explicit type must be offered. With
    ``domain_caps`` (a driver that has them, not the test driver) libvirt's domain capabilities
    are asked first, one small answer where the host's capabilities are 1-4 ms of XML: for an
    explicit type, whether it is offered; for auto, kvm's (offered for the host's architecture,
    and the emulator that runs it), then qemu's when the probes refuse KVM, unless not
    ``confirm_fallback``: the same emulator's TCG is then taken as offered, one call fewer for
    a run that defines nothing (who defines checks the type first: ``context.type_refusal``).
    """
    if requested == "auto":
        return _auto(conn, kernel, kvm_check, domain_caps, confirm_fallback)
    if domain_caps and _domain_caps(conn, requested) is not None:
        return requested
    offered = offered_types(conn.getCapabilities())
    if requested not in offered:
        raise BulkheadVirtError(
            f"bulkhead:host:domain_type is {requested!r} but this libvirt connection offers "
            f"{', '.join(sorted(offered)) or 'no domain type'}")
    return requested


def _auto(conn: Connection, kernel: str | None, kvm_check: Callable[[], bool] | None,
          domain_caps: bool, confirm_fallback: bool) -> str:
    kvm_caps = _domain_caps(conn, "kvm") if domain_caps else None
    if kvm_caps is not None:
        # Offered for the host's architecture: the emulator is the one the host's capabilities
        # name for it (libvirt looks it up there), and the probes decide as below.
        emulator = _emulator_in(kvm_caps)
        if (kvm_check or functools.partial(kvm_runs_guests, emulator, kernel))():
            return "kvm"
        if not confirm_fallback or _domain_caps(conn, "qemu") is not None:
            return "qemu"
        return _fallback(offered_types(conn.getCapabilities()))
    capabilities = conn.getCapabilities()
    offered = offered_types(capabilities)
    if kvm_check is None:
        emulator = emulator_for(capabilities, os.uname().machine)
        kvm_check = functools.partial(kvm_runs_guests, emulator, kernel)
    if "kvm" in offered and kvm_check():
        return "kvm"
    return _fallback(offered)


def _emulator_in(domain_caps: str, chunk: int = 512) -> str | None:
    """The emulator (``/domainCapabilities/path``) of libvirt's domain capabilities, parsed up to
    it: libvirt writes it first, and the rest (~9 KB of CPU models and devices, which cost a
    new process 0.3 ms to parse) is not needed."""
    first = _first_child_path(domain_caps)
    if first is not None:
        return first
    parser = etree.XMLPullParser(events=("end",), tag="path")
    for start in range(0, len(domain_caps), chunk):
        parser.feed(domain_caps[start:start + chunk])
        for _, element in parser.read_events():
            parent = element.getparent()
            if parent is not None and parent.getparent() is None:  # the root's own
                return element.text
    return None


def _first_child_path(domain_caps: str) -> str | None:
    """The text of ``<path>`` when it is the root's first child, as libvirt writes it: only the
    root's start tag before it and plain text in it (a new process's pull parser alone cost a
    tenth of a millisecond); None for anything else, which the parser then reads."""
    start = domain_caps.find("<path>")
    end = domain_caps.find("</path>", start)
    if start < 0 or end < 0:
        return None
    head = domain_caps[:start].strip()
    text = domain_caps[start + len("<path>"):end]
    if (head.count("<") != 1 or head.count(">") != 1 or not head.endswith(">")
            or not head.startswith("<domainCapabilities") or "<" in text or "&" in text):
        return None
    return text


def _fallback(offered: set[str]) -> str:
    """What auto runs when KVM does not: the first of qemu (TCG), xen, test offered."""
    for fallback in ("qemu", "xen", "test"):
        if fallback in offered:
            return fallback
    raise BulkheadVirtError(f"libvirt offers none of kvm, qemu, xen (offers: {sorted(offered)})")


def _domain_caps(conn: Connection, requested: str) -> str | None:
    """libvirt's domain capabilities for ``requested`` guests of the host's default arch and
    emulator; when it answers, the type is among the host capabilities' own. Any error (not
    offered, not supported) is None, and the host capabilities decide as ever (and name what is
    offered)."""
    try:
        return str(conn.getDomainCapabilities(None, None, None, requested, 0))
    except libvirt.libvirtError:
        return None
