"""What verify leaves to another workstation's verify on a shared host: its bridges."""

from __future__ import annotations

from typing import Any

from lxml import etree

from ..plan.metadata import find_ours
from ..plan.ownership import owner_of


def other_workstations_bridges(conn: Any, workstation: str) -> set[str]:
    """The bridges of the bulkhead networks marked as another workstation's."""
    bridges = set()
    for net in conn.listAllNetworks(0):
        xml = net.XMLDesc(0)
        owner = owner_of(find_ours(xml))
        if owner is None or owner == workstation:
            continue
        bridge = etree.fromstring(xml.encode()).find("bridge")
        if bridge is not None and bridge.get("name"):
            bridges.add(bridge.get("name"))
    return bridges
