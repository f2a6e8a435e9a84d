"""Resolve ``host.domain_type`` (auto|kvm|qemu|xen) to what this connection can really run."""

from __future__ import annotations

import functools
import subprocess
import sys

from lxml import etree

from .errors import BulkheadVirtError

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


def offered_types(capabilities_xml: str) -> set[str]:
    """Domain types the connection's capabilities offer for any guest OS and architecture."""
    doc = etree.fromstring(capabilities_xml.encode())
    return {d.get("type", "") for d in doc.iterfind("guest/arch/domain")}


def resolve(conn: object, requested: str, *, kvm_check=kvm_usable) -> str:
    """The domain type to render for ``conn``.

    ``auto`` picks kvm when the probe proves a KVM guest runs and libvirt offers kvm, else qemu
    (TCG). libvirt's test driver only offers its own type ('test'), which auto then selects so
    that functional tests exercise the very same code. An explicit type must be offered.
    """
    offered = offered_types(conn.getCapabilities())  # type: ignore[attr-defined]
    if requested == "auto":
        if "kvm" in offered and kvm_check():
            return "kvm"
        for fallback in ("qemu", "xen", "test"):
            if fallback in offered:
                return fallback
        raise BulkheadVirtError(f"libvirt offers none of kvm, qemu, xen (offers: {sorted(offered)})")
    if requested not in offered:
        raise BulkheadVirtError(
            f"bulkhead:host:domain_type is {requested!r} but this libvirt connection offers "
            f"{', '.join(sorted(offered)) or 'no domain type'}")
    return requested
