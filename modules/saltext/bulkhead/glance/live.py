"""One bulk read of libvirt: every domain of one workstation with what its metadata records.

A domain is read once (``XMLDesc`` and ``state``); a domain undefined between the listing and
the read is left out, as if listed a moment later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libvirt
from lxml import etree

from ..plan.metadata import find_ours, read_memory, read_recorded
from ..plan.ownership import WORKSTATION_ATTR
from ..virt.power import STATES

KIB_PER_MIB = 1024


@dataclass(frozen=True)
class LiveDomain:
    """What libvirt says of one of the workstation's domains (memory in MiB)."""

    name: str
    state: str  # running | paused | shutoff | ... (virt.power.STATES)
    attrs: dict[str, str]  # class, label, netvm, template as the plan recorded them
    address: str | None
    memory_now_mib: int | None  # the balloon's current size; None when not running
    memory_min_mib: int | None
    memory_max_mib: int | None


def _current_mib(doc: etree._Element) -> int | None:
    """``<currentMemory>`` in MiB (libvirt's word is KiB unless it names another unit)."""
    el = doc.find("currentMemory")
    if el is None or not (el.text or "").strip().isdigit():
        return None
    scale = {"KiB": KIB_PER_MIB, "MiB": 1, "b": KIB_PER_MIB * KIB_PER_MIB}.get(el.get("unit", "KiB"))
    return int(el.text) // scale if scale else None


def _read(dom: Any) -> LiveDomain:
    xml = dom.XMLDesc(0)
    meta = find_ours(xml)
    state = STATES.get(dom.state()[0], "other")
    doc = etree.fromstring(xml.encode())
    recorded = read_recorded(xml)
    bounds = read_memory(meta) if meta is not None else None
    active = state not in ("shutoff", "crashed")
    return LiveDomain(
        dom.name(), state, dict(meta.attrib) if meta is not None else {},
        str(recorded.address) if recorded and recorded.address else None,
        _current_mib(doc) if active else None,
        bounds.min_mib if bounds else None, bounds.max_mib if bounds else None)


def workstation_domains(conn: Any, workstation: str) -> dict[str, LiveDomain]:
    """The domains marked as ``workstation``'s (``plan.ownership``), by name."""
    out = {}
    for dom in conn.listAllDomains(0):
        try:
            live = _read(dom)
        except libvirt.libvirtError:
            continue  # undefined while we listed
        if live.attrs.get(WORKSTATION_ATTR) == workstation:
            out[live.name] = live
    return out
