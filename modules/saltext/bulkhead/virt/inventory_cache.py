"""One read of libvirt's definitions per Salt run, shared by every bulkhead state of that run.

Without it every state listed all domains and read each one's XML to plan the workstation: N
states times N domains. The cache holds definitions only (domain, network, pool and volume XML,
the connection's capabilities) and values derived from them (the recorded allocations, plans);
whether something runs is always asked live. It is kept current by bulkhead's own mutations:
``virt.tracked`` reports every mutating libvirt call, and the objects it touched are read again
on their next use (everything, for a call it cannot attribute), so nothing is ever decided from a
definition older than our last change to it. Changes other programs make during a run are seen
by the next run, as they were seen by the next state before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libvirt

from .connection import Connection

INACTIVE = libvirt.VIR_DOMAIN_XML_INACTIVE
_GONE = {libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_NO_NETWORK, libvirt.VIR_ERR_NO_STORAGE_POOL,
         libvirt.VIR_ERR_NO_STORAGE_VOL}


def _or_none(read: Callable[[], Any]) -> Any | None:
    try:
        return read()
    except libvirt.libvirtError as exc:
        if exc.get_error_code() in _GONE:
            return None  # removed meanwhile
        raise


class _Section:
    """name -> XML for one kind of object. ``list_first``: the first question lists them all (a
    run's states will ask about most of them); otherwise objects are read one by one as asked
    (one reconcile call asks about a few). Names forgotten since are read again alone."""

    def __init__(self, list_all: Callable[[Any], dict[str, str]], read_one: Callable[[Any, str], str | None],
                 list_first: bool):
        self._list_all = list_all
        self._read_one = read_one
        self._list_first = list_first
        self._xml: dict[str, str] | None = None  # every object, once listed
        self._single: dict[str, str | None] = {}  # objects read one by one before any listing
        self._stale: set[str] = set()
        self.version = 0  # changes whenever what ``all`` returns may have changed

    def all(self, conn: Connection) -> dict[str, str]:
        if self._xml is None:
            self._xml, self._stale, self._single = self._list_all(conn), set(), {}
            self.version += 1
        for name in sorted(self._stale):
            self._refresh(conn, name)
        return self._xml

    def get(self, conn: Connection, name: str) -> str | None:
        if self._xml is None and not self._list_first:
            if name not in self._single:
                self._single[name] = self._read_one(conn, name)
            return self._single[name]
        if self._xml is None or name in self._stale:
            return self.all(conn).get(name)
        return self._xml.get(name)

    def _refresh(self, conn: Connection, name: str) -> None:
        assert self._xml is not None
        xml = self._read_one(conn, name)
        if xml is None:
            self._xml.pop(name, None)
        else:
            self._xml[name] = xml
        self._stale.discard(name)
        self.version += 1

    def forget(self, name: str | None = None) -> None:
        if name is None:
            self._xml, self._single = None, {}
            return
        self._single.pop(name, None)
        if self._xml is not None:
            self._stale.add(name)


def _xmls(objects: list[Any], flags: int) -> dict[str, str]:
    """name -> XML of ``objects``; one removed meanwhile is simply absent."""
    out = {}
    for obj in objects:
        xml = _or_none(lambda obj=obj: obj.XMLDesc(flags))
        if xml is not None:
            out[obj.name()] = xml
    return out


def list_domains(conn: Connection) -> dict[str, str]:
    return _xmls(conn.listAllDomains(0), INACTIVE)


def read_domain(conn: Connection, name: str) -> str | None:
    return _or_none(lambda: conn.lookupByName(name).XMLDesc(INACTIVE))


def _active_pool(conn: Connection, name: str) -> Any | None:
    pool = _or_none(lambda: conn.storagePoolLookupByName(name))
    return pool if pool is not None and pool.isActive() else None  # an inactive pool lists no volumes


def _volumes_of(pool_name: str, list_first: bool) -> _Section:
    def list_all(conn: Connection) -> dict[str, str]:
        pool = _active_pool(conn, pool_name)
        return {} if pool is None else _xmls(pool.listAllVolumes(0), 0)

    def read_one(conn: Connection, name: str) -> str | None:
        pool = _active_pool(conn, pool_name)
        return None if pool is None else _or_none(lambda: pool.storageVolLookupByName(name).XMLDesc(0))

    return _Section(list_all, read_one, list_first)


class InventoryCache:
    """Definitions read from one libvirt URI during one run, and what was derived from them."""

    def __init__(self, shared: bool = True) -> None:
        """``shared``: used by many reconcile calls (a Salt run), so objects are listed at once."""
        self._shared = shared
        self.domains = _Section(list_domains, read_domain, shared)
        self.networks = _Section(lambda conn: _xmls(conn.listAllNetworks(0), 0),
                                 lambda conn, name: _or_none(lambda: conn.networkLookupByName(name).XMLDesc(0)),
                                 shared)
        self.pools = _Section(lambda conn: _xmls(conn.listAllStoragePools(0), 0),
                              lambda conn, name: _or_none(lambda: conn.storagePoolLookupByName(name).XMLDesc(0)),
                              shared)
        self._volumes: dict[str, _Section] = {}
        self._derived: dict[str, tuple[Any, Any]] = {}

    def volumes(self, pool: str) -> _Section:
        if pool not in self._volumes:
            self._volumes[pool] = _volumes_of(pool, self._shared)
        return self._volumes[pool]

    def derived(self, key: str, source: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, reused while ``source`` (what it was computed from) compares equal."""
        held = self._derived.get(key)
        if held is not None and held[0] == source:
            return held[1]
        value = compute()
        self._derived[key] = (source, value)
        return value

    def derived_or_kept(self, key: str, source: Any, compute: Callable[[], Any],
                        still_valid: Callable[[Any, Any], bool]) -> Any:
        """Like ``derived``, but a value whose source changed is kept when
        ``still_valid(old_source, value)`` says the change cannot alter it."""
        held = self._derived.get(key)
        if held is not None and (held[0] == source or still_valid(held[0], held[1])):
            self._derived[key] = (source, held[1])
            return held[1]
        value = compute()
        self._derived[key] = (source, value)
        return value

    def forget_domain(self, name: str) -> None:
        self.domains.forget(name)

    def forget_network(self, name: str) -> None:
        self.networks.forget(name)

    def forget_pool(self, name: str) -> None:
        self.pools.forget(name)
        self.volumes(name).forget()

    def forget_volume(self, name: str) -> None:
        for section in self._volumes.values():  # volume names are unique per pool; any pool will do
            section.forget(name)

    def forget_all(self) -> None:
        for section in (self.domains, self.networks, self.pools, *self._volumes.values()):
            section.forget()
        self._derived.clear()
