"""The one place bulkhead opens libvirt connections, and the part of one bulkhead uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

import libvirt

from ..libvirt_quiet import silence_libvirt
from .errors import BulkheadVirtError


@runtime_checkable
class Connection(Protocol):
    """The libvirt connection calls bulkhead makes: ``libvirt.virConnect`` and the proxies in
    front of it (virt.tracked, virt.counting) all have them. The objects they return (domains,
    networks, pools, volumes, streams) are libvirt's or proxies of them, hence ``Any``.
    tests/unit/virt/test_connection_protocol.py checks that every call made on a connection in
    virt is listed here and that libvirt has each one."""

    def lookupByName(self, name: str) -> Any: ...
    def networkLookupByName(self, name: str) -> Any: ...
    def storagePoolLookupByName(self, name: str) -> Any: ...
    def listAllDomains(self, flags: int = 0) -> list[Any]: ...
    def listAllNetworks(self, flags: int = 0) -> list[Any]: ...
    def listAllStoragePools(self, flags: int = 0) -> list[Any]: ...
    def defineXML(self, xml: str) -> Any: ...
    def networkDefineXML(self, xml: str) -> Any: ...
    def storagePoolDefineXML(self, xml: str, flags: int = 0) -> Any: ...
    def newStream(self, flags: int = 0) -> Any: ...
    def getType(self) -> str: ...
    def getURI(self) -> str: ...
    def getCapabilities(self) -> str: ...
    def getDomainCapabilities(self, emulatorbin: str | None, arch: str | None,
                              machine: str | None, virttype: str | None,
                              flags: int = 0) -> str: ...
    def getInfo(self) -> list[Any]: ...
    def isAlive(self) -> int: ...
    def close(self) -> int: ...


def open_connection(uri: str) -> libvirt.virConnect:
    """Open ``uri`` read-write; failures name the URI. The caller closes it."""
    silence_libvirt()
    try:
        conn = libvirt.open(uri)
    except libvirt.libvirtError as exc:
        raise BulkheadVirtError(
            f"cannot connect to libvirt at {uri}: {exc.get_error_message()}"
        ) from None
    if conn is None:  # older bindings returned None instead of raising
        raise BulkheadVirtError(f"cannot connect to libvirt at {uri}")
    return conn


@contextmanager
def connect(uri: str) -> Iterator[libvirt.virConnect]:
    """Open ``uri`` read-write and always close it; failures name the URI."""
    conn = open_connection(uri)
    try:
        yield conn
    finally:
        conn.close()
