"""Read-only views of what libvirt holds, and who owns it."""

from __future__ import annotations

from typing import Any

import libvirt
from lxml import etree

from ..plan.metadata import find_ours, read_recorded
from ..plan.recorded import RecordedDomain

INACTIVE = libvirt.VIR_DOMAIN_XML_INACTIVE
NOT_FOUND = {libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_NO_NETWORK, libvirt.VIR_ERR_NO_STORAGE_POOL,
             libvirt.VIR_ERR_NO_STORAGE_VOL}


def lookup(getter: Any, name: str) -> Any | None:
    """``getter(name)`` or None when libvirt says there is no such object."""
    try:
        return getter(name)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() in NOT_FOUND:
            return None
        raise


def domain_xml(dom: Any) -> str:
    return dom.XMLDesc(INACTIVE)


def owned(xml: str) -> bool:
    return find_ours(xml) is not None


def defined_domains(conn: Any) -> list[tuple[str, str]]:
    """(name, inactive XML) of every defined domain; one undefined meanwhile is simply absent."""
    out = []
    for dom in conn.listAllDomains(0):
        try:
            out.append((dom.name(), domain_xml(dom)))
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise
    return out


def recorded_domains(conn: Any) -> dict[str, RecordedDomain]:
    """Allocations recorded in every bulkhead domain libvirt knows, in or out of the pillar."""
    recorded = {}
    for name, xml in defined_domains(conn):
        rec = read_recorded(xml)
        if rec is not None:
            recorded[name] = rec
    return recorded


def domains_using(conn: Any, predicate: Any) -> list[str]:
    """Names of defined domains whose inactive XML satisfies ``predicate(etree root)``."""
    return sorted(name for name, xml in defined_domains(conn) if predicate(etree.fromstring(xml.encode())))
