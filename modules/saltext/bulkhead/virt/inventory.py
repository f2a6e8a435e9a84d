"""Read-only views of what libvirt holds, and who owns it.

Definitions come from the run's inventory cache when the connection is tracked
(``virt.tracked``), else straight from libvirt.
"""

from __future__ import annotations

import hashlib
from typing import Any

import libvirt
from lxml import etree

from ..plan.metadata import find_ours, recorded_with_owner_in
from ..plan.recorded import RecordedDomain
from .connection import Connection
from .inventory_cache import INACTIVE, list_domains, read_domain
from .texts import Xml
from .tracked import cache_of

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


def _xml(text: str | None) -> Xml | None:
    return None if text is None else Xml(text)


def defined_domain(conn: Connection, name: str) -> tuple[Xml, Any] | None:
    """The inactive XML of domain ``name`` and the domain (to act on); None when it is not
    defined. On a tracked connection both come from the run's listing: no call per domain."""
    cache = cache_of(conn)
    read = read_domain(conn, name) if cache is None else cache.domains.read(conn, name)
    return None if read is None else (Xml(read[0]), read[1])


def parsed_domain(conn: Connection, name: str, xml: str) -> etree._Element:
    """``xml`` (domain ``name``'s definition) parsed; on a tracked connection once per
    definition per run (the plan's records and the domain's state both read it), mostly by the
    reader thread that read it. READ ONLY: the same tree is handed to every later question."""
    cache = cache_of(conn)
    return etree.fromstring(xml.encode()) if cache is None else cache.domains.parsed(name, xml)


def domain_digest(conn: Connection, name: str, xml: str) -> bytes:
    """sha256 of ``xml`` (domain ``name``'s definition); on a tracked connection once per
    definition per run (what the run keeps of a definition is known by it)."""
    cache = cache_of(conn)
    if cache is None:
        return _sha256(xml)
    return cache.derived(f"digest {name}", xml, lambda: _sha256(xml))


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode(errors="surrogatepass")).digest()


def parsed_network(conn: Connection, name: str, xml: str) -> etree._Element:
    """``xml`` (network ``name``'s definition) parsed, as ``parsed_domain`` (every client
    domain's state reads its netvm's network). READ ONLY, as there."""
    cache = cache_of(conn)
    return etree.fromstring(xml.encode()) if cache is None else cache.networks.parsed(name, xml)


def defined_xml(conn: Connection, name: str) -> Xml | None:
    """The inactive XML of domain ``name``; None when it is not defined."""
    read = defined_domain(conn, name)
    return None if read is None else read[0]


def network_xml(conn: Connection, name: str) -> Xml | None:
    """The XML of network ``name``; None when it is not defined."""
    cache = cache_of(conn)
    if cache is None:
        net = lookup(conn.networkLookupByName, name)
        return None if net is None else Xml(net.XMLDesc(0))
    return _xml(cache.networks.get(conn, name))


def network_xmls(conn: Connection) -> dict[str, str]:
    """name -> XML of every network."""
    cache = cache_of(conn)
    if cache is None:
        return {n.name(): n.XMLDesc(0) for n in conn.listAllNetworks(0)}
    return cache.networks.all(conn)


def pool_xmls(conn: Connection) -> dict[str, str]:
    """name -> XML of every storage pool."""
    cache = cache_of(conn)
    if cache is None:
        return {p.name(): p.XMLDesc(0) for p in conn.listAllStoragePools(0)}
    return cache.pools.all(conn)


def volume_xml(conn: Connection, pool: str, name: str) -> Xml | None:
    """The XML of volume ``name`` in ``pool``; None when it or an active pool is missing."""
    cache = cache_of(conn)
    if cache is None:
        pool_obj = lookup(conn.storagePoolLookupByName, pool)
        if pool_obj is None or not pool_obj.isActive():
            return None
        vol = lookup(pool_obj.storageVolLookupByName, name)
        return None if vol is None else Xml(vol.XMLDesc(0))
    return _xml(cache.volumes(pool).get(conn, name))


def volume_exists(conn: Connection, pool: str, name: str) -> bool:
    """Whether volume ``name`` is in ``pool`` (and the pool active); on a tracked connection from
    one listing of the pool's volume names per run."""
    cache = cache_of(conn)
    return (
        volume_xml(conn, pool, name) is not None
        if cache is None
        else cache.volumes(pool).exists(conn, name)
    )


def pool_settled(conn: Connection, name: str) -> bool:
    """True when the run has seen pool ``name`` active and starting at boot (one listing per
    run); False when it has not, or on a plain connection: then ask the pool itself."""
    cache = cache_of(conn)
    return cache is not None and cache.settled_pools.includes(conn, name)


def network_settled(conn: Connection, name: str) -> bool:
    """As ``pool_settled``, for network ``name``."""
    cache = cache_of(conn)
    return cache is not None and cache.settled_networks.includes(conn, name)


def defined_domains(conn: Connection) -> list[tuple[str, str]]:
    """(name, inactive XML) of every defined domain; one undefined meanwhile is simply absent."""
    cache = cache_of(conn)
    return list((list_domains(conn) if cache is None else cache.domains.all(conn)).items())


def recorded_domains(conn: Connection, workstation: str) -> dict[str, RecordedDomain]:
    """Allocations recorded in every bulkhead domain of ``workstation`` (or made before ownership)
    libvirt knows, in or out of the pillar. Another workstation's are not seen: its domains sit
    on its own bridges, so addresses need not be unique across workstations."""

    def read() -> dict[str, RecordedDomain]:
        recorded = {}
        for name, xml in defined_domains(conn):
            read = recorded_with_owner_in(parsed_domain(conn, name, xml))
            if read is not None and read[1] in (None, workstation):
                recorded[name] = read[0]
        return recorded

    cache = cache_of(conn)
    if cache is None:
        return read()
    domains = cache.domains
    domains.all(conn)  # brings ``version`` up to date
    return cache.derived(f"recorded {workstation}", domains.version, read)


def domains_using(conn: Connection, predicate: Any) -> list[str]:
    """Names of defined domains whose inactive XML satisfies ``predicate(etree root)`` (which
    must not change the tree: see ``parsed_domain``)."""
    return sorted(name for name, xml in defined_domains(conn)
                  if predicate(parsed_domain(conn, name, xml)))
