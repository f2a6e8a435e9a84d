"""Reading bulkhead's running domains from libvirt: which ones, their bounds and balloon stats.

Only domains carrying bulkhead metadata are balanced: a domain someone else defined on the same
host has no bounds we know, so it is treated like the host's own use of memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import libvirt
from lxml import etree

from ..memory.domain import KIB_PER_MIB, DomainMemory
from ..memory.guest_figures import clamp_balloon
from ..memory.stats import BalloonStats
from ..model.pillar import Memory
from ..plan.metadata import find_ours, read_memory

log = logging.getLogger(__name__)

_UNIT_KIB = {"b": 1 / 1024, "bytes": 1 / 1024, "k": 1, "kib": 1, "kb": 1000 / 1024,
             "m": 1024, "mib": 1024, "mb": 1000**2 / 1024, "g": 1024**2, "gib": 1024**2,
             "gb": 1000**3 / 1024}


@dataclass(frozen=True, slots=True)
class Bounds:
    """A domain's balloon range in KiB."""

    min_kib: int
    max_kib: int


def bounds_from_xml(inactive_xml: str) -> Bounds | None:
    """[min, max] of one of our domains from its persistent XML, or None when it is not ours.

    The plan records the pillar's bounds in our metadata. A domain defined before it did falls back
    to ``<memory>`` as the ceiling and the model's default floor computed from the *inactive*
    ``<currentMemory>`` (memory.initial; the live one moves with the balloon). Either way the
    ceiling never exceeds ``<memory>``, which is what libvirt lets the balloon reach.
    """
    meta = find_ours(inactive_xml)
    if meta is None:
        return None
    doc = etree.fromstring(inactive_xml.encode())
    max_kib = _kib(doc.find("memory"))
    recorded = read_memory(meta)
    if recorded is not None:
        max_kib = min(max_kib, recorded.max_mib * KIB_PER_MIB)
        min_kib = recorded.min_mib * KIB_PER_MIB
    else:
        initial_el = doc.find("currentMemory")
        initial_kib = _kib(initial_el) if initial_el is not None else max_kib
        min_kib = Memory(initial=initial_kib // KIB_PER_MIB).minimum * KIB_PER_MIB
    return Bounds(min(min_kib, max_kib), max_kib)


def _kib(element: etree._Element | None) -> int:
    if element is None or element.text is None:
        raise ValueError("domain XML lacks <memory>")
    factor = _UNIT_KIB.get(element.get("unit", "KiB").lower())
    if factor is None:
        raise ValueError(f"unknown memory unit {element.get('unit')!r}")
    return int(int(element.text) * factor)


def running_ours(
    conn: libvirt.virConnect, names: frozenset[str] | None = None
) -> list[libvirt.virDomain]:
    """Running domains with bulkhead metadata, only those in ``names`` when given (a domain gone
    meanwhile is skipped)."""
    ours = []
    for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
        try:
            if names is not None and dom.name() not in names:
                continue
            if find_ours(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)) is not None:
                ours.append(dom)
        except libvirt.libvirtError as error:
            log.info("skipping domain that vanished while listing: %s", error)
    return ours


def read_domain(dom: libvirt.virDomain) -> DomainMemory | None:
    """The balancer's view of one domain, or None when it vanished or is not ours.

    A domain whose balloon reports no ``actual`` (no balloon device) cannot be resized; it is left
    out and its memory counts as the host's. Every figure the guest reports is clamped
    (``guest_figures.py``), so no lie makes the stats invalid or the domain larger than its max.
    """
    bounds = bounds_from_xml(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    if bounds is None:
        return None
    raw = dom.memoryStats()
    if "actual" not in raw:
        log.warning("%s has no balloon device; not balancing it", dom.name())
        return None
    # the guest reports these: clamped to the domain's bounds before anything else sees them
    stats = BalloonStats.from_libvirt(clamp_balloon(raw, bounds.min_kib, bounds.max_kib))
    return DomainMemory.from_stats(dom.name(), bounds.min_kib, bounds.max_kib, stats)
