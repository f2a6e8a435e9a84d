"""Parsers for what the host reports: ``ip -j``, ``bridge -j -d``, nwfilter bindings, domain XML.

They take the command's text so the suite can obtain it through testinfra (local or remote host)
and the unit tests can feed them recorded output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from lxml import etree


@dataclass(frozen=True)
class BridgePort:
    name: str
    master: str
    isolated: bool


@dataclass(frozen=True)
class FilterBinding:
    port: str
    owner: str
    filter: str
    parameters: tuple[tuple[str, str], ...]

    def parameter(self, name: str) -> list[str]:
        return [value for key, value in self.parameters if key == name]


@dataclass(frozen=True)
class LiveNic:
    """One interface of a domain XML: where it attaches and (when running) its host tap device."""
    network: str | None
    bridge: str | None
    mac: str | None
    target: str | None


def host_addresses(ip_addr_json: str) -> list[str]:
    """Every address (``addr/prefix``) in ``ip -j addr show`` output, IPv4 and IPv6 alike."""
    return [f"{a['local']}/{a['prefixlen']}" for link in json.loads(ip_addr_json or "[]")
            for a in link.get("addr_info", []) if "local" in a]


def bridge_names(ip_link_json: str) -> list[str]:
    """Interface names in ``ip -j link show type bridge`` output."""
    return sorted(link["ifname"] for link in json.loads(ip_link_json or "[]"))


def bridge_ports(bridge_link_json: str) -> dict[str, BridgePort]:
    """Ports in ``bridge -j -d link show`` output (the ``isolated`` flag needs ``-d``)."""
    ports = {}
    for port in json.loads(bridge_link_json or "[]"):
        if "master" in port:
            ports[port["ifname"]] = BridgePort(
                port["ifname"], port["master"], port.get("isolated") is True
            )
    return ports


def filter_binding(binding_xml: str) -> FilterBinding:
    """``virsh nwfilter-binding-dumpxml PORT`` parsed."""
    doc = etree.fromstring(binding_xml.encode())
    ref = doc.find("filterref")
    params = () if ref is None else tuple(
        (p.get("name", ""), p.get("value", "")) for p in ref.iterfind("parameter"))
    port = doc.find("portdev")
    return FilterBinding(
        port.get("name", "") if port is not None else "",
        doc.findtext("owner/name", ""),
        ref.get("filter", "") if ref is not None else "",
        params,
    )


def binding_ports(binding_list_text: str) -> set[str]:
    """Port devices named in ``virsh nwfilter-binding-list`` (a header, a rule, then a row each)."""
    rows = binding_list_text.splitlines()[2:]
    return {row.split()[0] for row in rows if row.strip()}


def domain_nics(domain_xml: str) -> list[LiveNic]:
    doc = etree.fromstring(domain_xml.encode())
    nics = []
    for iface in doc.iterfind("devices/interface"):
        src = iface.find("source")
        target = iface.find("target")
        mac = iface.find("mac")
        nics.append(LiveNic(src.get("network") if src is not None else None,
                            src.get("bridge") if src is not None else None,
                            mac.get("address", "").lower() if mac is not None else None,
                            target.get("dev") if target is not None else None))
    return nics
