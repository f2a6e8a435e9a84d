"""Does a domain's persistent definition still say what the plan says?

libvirt normalises what it stores (units, PCI addresses, a CPU model, PS/2 inputs, a console
mirroring
the serial port), so byte comparison would always fail. Both sides are reduced to the same canonical
summary instead: the properties apply converges (``virt.domain_props``), the agent channels, the
recorded config hash, and which kinds of device exist. A device kind the plan never asks for and
libvirt does not add by itself (graphics, hostdev, a shared filesystem, ...) is drift even though
apply's property comparison would not look at it: it is exactly what an attacker with libvirt access
would add.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from ..plan.metadata import find_ours, recorded_hash
from ..virt.domain_props import properties

# Devices libvirt adds to an x86 definition on its own; everything else must come from the plan.
LIBVIRT_DEFAULT_DEVICES = frozenset({"emulator", "controller", "input", "audio", "console"})


def _channels(doc: etree._Element) -> list[str]:
    out = []
    for ch in doc.iterfind("devices/channel"):
        src = ch.find("source")
        target = ch.find("target")
        out.append(f"{ch.get('type')}:{src.get('path') if src is not None else '?'}"
                   f"->{target.get('name') if target is not None else '?'}")
    return out


def _usb_controllers(doc: etree._Element) -> list[str]:
    return [c.get("model", "default") for c in doc.iterfind("devices/controller[@type='usb']")]


def canonical(xml: str) -> dict[str, Any]:
    """The summary both sides are compared by (see the module docstring)."""
    doc = etree.fromstring(xml.encode())
    meta = find_ours(xml)
    summary = properties(xml)
    summary["channels"] = _channels(doc)
    summary["usb_controllers"] = _usb_controllers(doc)
    summary["config_hash"] = recorded_hash(meta) if meta is not None else None
    summary["name"] = doc.findtext("name")
    summary["uuid"] = doc.findtext("uuid")
    return summary


def drift(live: str, planned: str) -> list[str]:
    """One line per difference between libvirt's definition and the plan; empty when they agree."""
    have, want = canonical(live), canonical(planned)
    lines = [f"{key}: libvirt has {have.get(key)!r}, plan wants {want[key]!r}"
             for key in want if have.get(key) != want[key]]
    planned_kinds = {el.tag for el in etree.fromstring(planned.encode()).iterfind("devices/*")}
    extra = sorted({el.tag for el in etree.fromstring(live.encode()).iterfind("devices/*")}
                   - planned_kinds - LIBVIRT_DEFAULT_DEVICES)
    if extra:
        lines.append(f"devices the plan does not define: {', '.join(extra)}")
    return lines
