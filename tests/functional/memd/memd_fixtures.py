"""A private libvirt test-driver host with bulkhead and foreign domains carrying balloon devices.

The test driver's balloon statistics are real libvirt API output: it reports ``actual`` as the
live balloon size and the guest as using half of it, which is all balance_once needs.
"""

from __future__ import annotations

from pathlib import Path

import libvirt

from saltext.bulkhead import NAMESPACE

NODE_XML = (
    "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads>"
    "<active>2</active><mhz>1000</mhz><model>i686</model></cpu><memory>8388608</memory></node>"
)


def private_host(tmp_path: Path) -> libvirt.virConnect:
    """Each test:///<file> connection has its own state, so tests cannot see each other."""
    node = tmp_path / "node.xml"
    node.write_text(NODE_XML)
    return libvirt.open(f"test://{node}")


def domain_xml(name: str, max_mib: int, current_mib: int, ours: bool = True,
               min_mib: int | None = None, balloon: bool = True) -> str:
    # Bounds recorded as the plan records them; without min_mib, as a domain defined before it did.
    bounds = (f'<bh:memory unit="MiB" min="{min_mib}" initial="{current_mib}" max="{max_mib}"/>'
              if min_mib is not None else "")
    meta = (
        f'<metadata><bh:domain xmlns:bh="{NAMESPACE}" class="app">{bounds}</bh:domain></metadata>'
        if ours
        else ""
    )
    devices = "<devices><memballoon model='virtio'/></devices>" if balloon else "<devices/>"
    return (f"<domain type='test'><name>{name}</name>{meta}"
            f"<memory unit='MiB'>{max_mib}</memory><currentMemory unit='MiB'>{current_mib}"
            f"</currentMemory><vcpu>1</vcpu><os><type>hvm</type></os>{devices}</domain>")


def start(conn: libvirt.virConnect, xml: str) -> libvirt.virDomain:
    dom = conn.defineXML(xml)
    dom.create()
    return dom


def live_kib(dom: libvirt.virDomain) -> int:
    return dom.info()[2]
