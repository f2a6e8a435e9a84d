"""The uplink networks the pillar declares (``bulkhead:host:uplinks``), defined when missing.

An uplink is where a netvm's traffic leaves the workstation, so libvirt's network of that name,
if any, is used as it is and never changed: it may be the admin's (libvirt's ``default``) or
another workstation's on a shared host. Only a missing one is defined, and started when down.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

import libvirt

from ..model import Pillar
from ..model.pillar import UplinkNetwork
from ..reconcile import Outcome
from ..virt.work import LibvirtWork


def uplink_xml(name: str, net: UplinkNetwork) -> str:
    """forward none: a bridge with no host address (nothing of the host is reachable on it);
    nat: libvirt routes it out through the host, which has ``address`` on it."""
    if net.forward == "none" or net.address is None:
        return f"<network>\n  <name>{name}</name>\n</network>\n"
    iface = net.address
    return (f"<network>\n  <name>{name}</name>\n  <forward mode='nat'/>\n"
            f"  <ip address={quoteattr(str(iface.ip))} netmask={quoteattr(str(iface.netmask))}/>\n"
            "</network>\n")


def _lookup(conn: Any, name: str) -> Any:
    try:
        return conn.networkLookupByName(name)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_NETWORK:
            return None
        raise


def uplinks_present(conn: Any, pillar: Pillar, test: bool = False) -> Outcome:
    work = LibvirtWork()
    for name, net in sorted(pillar.host.uplinks.items()):
        found = _lookup(conn, name)
        if found is None:
            work.section("defined")[name] = net.forward
            xml = uplink_xml(name, net)
            work.step(f"define uplink {name}", lambda xml=xml: conn.networkDefineXML(xml))
        if found is None or not found.isActive():
            work.section("started")[name] = True
            work.step(f"start uplink {name}", lambda n=name: conn.networkLookupByName(n).create())
        if found is None:  # an existing network's autostart is its owner's choice
            work.section("autostart")[name] = True
            work.step(f"autostart uplink {name}",
                      lambda n=name: conn.networkLookupByName(n).setAutostart(1))
    return work.finish(
        test, f"Uplink networks ({', '.join(sorted(pillar.host.uplinks)) or 'none'})"
    )
