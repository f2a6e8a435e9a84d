"""libvirt network XML for a domain that provides network: a bare L2 bridge.

No <ip> (the host has no address on it, so no host service is reachable from domains) and no
<forward> (the host does not route or NAT for domains: the netvm does). STP off: one bridge, no
loops, and no 'learning' delay before a booting domain can talk.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from . import names
from .metadata import network_metadata, stamp_hash
from .xmlutil import render, sub, text_sub


@dataclass(frozen=True)
class NetworkPlan:
    name: str
    owner: str
    bridge: str
    xml: str
    config_hash: str
    workstation: str


def network_plan(owner: str, workstation: str) -> NetworkPlan:
    name = names.network_name(owner)
    bridge = names.bridge_name(owner)
    root = etree.Element("network")
    text_sub(root, "name", name)
    meta = network_metadata(owner)
    sub(root, "metadata").append(meta)
    sub(root, "bridge", name=bridge, stp="off", delay="0")
    digest = stamp_hash(root, meta, workstation)
    return NetworkPlan(name, owner, bridge, render(root), digest, workstation)
