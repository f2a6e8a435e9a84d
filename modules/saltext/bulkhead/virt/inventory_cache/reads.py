"""One read of one libvirt object's definition, as the inventory's sections make it.

A read of an object removed meanwhile (by another program, between a listing and the read) is
None, never an error; any other libvirt error is raised to whoever asked. Definitions read
ahead are parsed by the reader thread that read them: lxml lets the GIL go while it parses, and
a tree may be read in another thread than the one that parsed it (each thread parses with its
own parser, lxml's default one being per thread).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import libvirt
from lxml import etree

from ..connection import Connection

INACTIVE = libvirt.VIR_DOMAIN_XML_INACTIVE
_GONE = {libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_NO_NETWORK, libvirt.VIR_ERR_NO_STORAGE_POOL,
         libvirt.VIR_ERR_NO_STORAGE_VOL}

Read = tuple[str, Any]  # an object's XML, and the object (a handle to act on it)
Parsed = tuple[str, "etree._Element | None"]  # an object's XML, and its tree when it parsed


def or_none(read: Callable[[], Any]) -> Any | None:
    """``read()``; None when the object it reads was removed meanwhile."""
    try:
        return read()
    except libvirt.libvirtError as exc:
        if exc.get_error_code() in _GONE:
            return None
        raise


def read_found(lookup: Callable[[], Any], flags: int) -> Read | None:
    """(XML, object) of the object ``lookup()`` finds; None when there is none."""
    def read() -> Read:
        obj = lookup()
        return obj.XMLDesc(flags), obj

    return or_none(read)


def read_parsed(obj: Any, flags: int, parse: bool) -> Parsed | None:
    """The XML of listed object ``obj``, and its tree when ``parse`` (in the calling thread);
    None when the object was removed meanwhile."""
    xml = or_none(functools.partial(obj.XMLDesc, flags))
    return None if xml is None else (xml, _tree(xml) if parse else None)


def _tree(xml: str) -> etree._Element | None:
    """``xml`` parsed; None when it does not parse: whoever asks for the tree then parses it
    again in its own thread, and the parse error is raised there, unchanged."""
    try:
        return etree.fromstring(xml.encode())
    except Exception:  # noqa: BLE001 - raised again by the parse in the asking thread
        return None


def list_domains(conn: Connection) -> dict[str, str]:
    """name -> inactive XML of every defined domain; one undefined meanwhile is simply absent."""
    out = {}
    for dom in conn.listAllDomains(0):
        xml = or_none(lambda dom=dom: dom.XMLDesc(INACTIVE))
        if xml is not None:
            out[dom.name()] = xml
    return out


def read_domain(conn: Connection, name: str) -> Read | None:
    """(inactive XML, domain) of domain ``name``; None when it is not defined."""
    return read_found(lambda: conn.lookupByName(name), INACTIVE)
