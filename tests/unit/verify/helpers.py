"""The example workstation planned without libvirt, and libvirt-like rewrites of its XML."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from saltext.bulkhead.model import load_pillar_file
from saltext.bulkhead.plan import Plan, plan_workstation
from saltext.bulkhead.plan.cpu_topology import topology_of

TWO_CORES = topology_of([[0], [1]])  # the demo's host
EXAMPLE = Path(__file__).resolve().parents[3] / "pillar/examples/workstation.sls"


def example_plan() -> Plan:
    return plan_workstation(load_pillar_file(EXAMPLE), {}, domain_type="qemu", topology=TWO_CORES)


def as_libvirt_stores_it(xml: str) -> str:
    """What libvirt adds on define: an emulator, PCI addresses, PS/2 inputs, audio none, a console."""
    doc = etree.fromstring(xml.encode())
    devices = doc.find("devices")
    etree.SubElement(devices, "emulator").text = "/usr/bin/qemu-system-x86_64"
    for slot, el in enumerate(devices.iterfind("disk"), start=4):
        etree.SubElement(el, "address", type="pci", domain="0x0000", bus="0x00", slot=hex(slot), function="0x0")
    etree.SubElement(devices, "controller", type="pci", index="0", model="pci-root")
    etree.SubElement(devices, "input", type="mouse", bus="ps2")
    etree.SubElement(devices, "audio", id="1", type="none")
    console = etree.SubElement(devices, "console", type="file")
    etree.SubElement(console, "target", type="serial", port="0")
    mem = doc.find("memory")
    mem.text, mem.attrib["unit"] = str(int(mem.text) * 1024), "KiB"
    return etree.tostring(doc, encoding="unicode")


def running(xml: str, taps: list[str]) -> str:
    """The live XML of a started domain: each interface gets its host tap device, in order."""
    doc = etree.fromstring(xml.encode())
    for iface, tap in zip(list(doc.iterfind("devices/interface")), taps, strict=True):
        etree.SubElement(iface, "target", dev=tap)
    return etree.tostring(doc, encoding="unicode")
