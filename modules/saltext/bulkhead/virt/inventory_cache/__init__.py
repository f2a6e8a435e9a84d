"""One read of libvirt's definitions per Salt run, shared by every bulkhead state of that run.

Without it every state listed all domains and read each one's XML to plan the workstation: N
states times N domains. The cache holds definitions (domain, network and pool XML, the names of
volumes and the XML of those asked about, the connection's capabilities), which pools and
networks run and start at boot, and values derived from them (the recorded allocations, plans);
whether a domain runs is always asked live. It is kept current by bulkhead's own mutations:
``virt.tracked`` reports every mutating libvirt call, and the objects it touched are read again
on their next use (everything, for a call it cannot attribute), so nothing is ever decided from a
definition older than our last change to it. Changes other programs make during a run are seen
by the next run, as they were seen by the next state before.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any

import libvirt

from ..connection import Connection
from ..readers import readers

INACTIVE = libvirt.VIR_DOMAIN_XML_INACTIVE
PREFETCH_MIN = 4  # fewer objects are read one by one: handing them to threads would cost more
_GONE = {libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_NO_NETWORK, libvirt.VIR_ERR_NO_STORAGE_POOL,
         libvirt.VIR_ERR_NO_STORAGE_VOL}


def _or_none(read: Callable[[], Any]) -> Any | None:
    try:
        return read()
    except libvirt.libvirtError as exc:
        if exc.get_error_code() in _GONE:
            return None  # removed meanwhile
        raise


Read = tuple[str, Any]  # an object's XML, and the object (a handle to act on it)


class _Section:
    """name -> XML for one kind of object, with the object it came from. ``list_first``: the
    first question lists them all (a run's states will ask about most of them), and each one's
    XML is read when first asked (or all at once by ``all``); otherwise objects are read one by
    one as asked (one reconcile call asks about a few). Names forgotten since are read again
    alone."""

    def __init__(self, list_all: Callable[[Any], list[Any]], flags: int,
                 read_one: Callable[[Any, str], Read | None], list_first: bool):
        self._list_all = list_all
        self._flags = flags
        self._read_one = read_one
        self._list_first = list_first
        self._handles: dict[str, Any] | None = None  # every object, once listed, by name
        self._xml: dict[str, str] = {}  # the XML of those read so far
        self._pending: dict[str, Future[str | None]] = {}  # reads prefetched, not yet collected
        self._ahead: Future[tuple[dict[str, Any], dict[str, str]]] | None = None  # read_ahead's
        self._single: dict[str, Read | None] = {}  # objects read one by one before any listing
        self._stale: set[str] = set()
        self.version = 0  # changes whenever what ``all`` returns may have changed

    def _listing(self, conn: Connection) -> dict[str, Any]:
        if self._handles is None:
            ahead, self._ahead = self._ahead, None
            # name(): the binding answers it from the object, no call reaches libvirtd
            handles, xml = (ahead.result() if ahead is not None
                            else ({obj.name(): obj for obj in self._list_all(conn)}, {}))
            self._handles, self._xml = handles, xml
            self._stale, self._single, self._pending = set(), {}, {}
            self.version += 1
        for name in sorted(self._stale):
            self._refresh(conn, name)
        return self._handles

    def current_version(self, conn: Connection) -> int:
        """``version`` once what this run changed is read again (lists on first use)."""
        self._listing(conn)
        return self.version

    def _fill(self, name: str) -> None:
        """Read the XML of listed object ``name`` (or collect its prefetched read); one removed
        meanwhile is dropped."""
        assert self._handles is not None
        pending = self._pending.pop(name, None)
        if pending is not None:
            xml = pending.result()  # a libvirt error of the read is raised here, in the caller
        else:
            obj = self._handles[name]
            xml = _or_none(lambda: obj.XMLDesc(self._flags))
        if xml is None:
            del self._handles[name]
            self.version += 1
        else:
            self._xml[name] = xml

    def prefetch(self, conn: Connection, names: Iterable[str]) -> None:
        """Start reading the XML of the listed ``names`` not read yet, a few calls in flight at
        once, and return: each is collected when first asked. One connection carries concurrent
        calls, and each waits on libvirtd far more than it costs here (a no-op reads every domain
        of the pillar), so the caller parses the first while the next are still on their way."""
        handles = self._listing(conn)
        todo = [n for n in names if n in handles and n not in self._xml and n not in self._pending]
        if len(todo) < PREFETCH_MIN:
            return
        pool, flags = readers(), self._flags
        for name in todo:
            read = functools.partial(handles[name].XMLDesc, flags)
            self._pending[name] = pool.submit(_or_none, read)

    def read_ahead(self, conn: Connection, names: Iterable[str] | None) -> None:
        """Start listing them in the reader pool and reading the XML of ``names`` (None: of
        every one), to be collected by the first question."""
        if self._handles is not None or self._ahead is not None or not self._list_first:
            return
        wanted = None if names is None else set(names)

        def listing() -> tuple[dict[str, Any], dict[str, str]]:
            handles = {obj.name(): obj for obj in self._list_all(conn)}
            xml = {}
            for name, obj in list(handles.items()):
                if wanted is None or name in wanted:
                    read = _or_none(functools.partial(obj.XMLDesc, self._flags))
                    if read is None:  # removed meanwhile
                        del handles[name]
                    else:
                        xml[name] = read
            return handles, xml

        self._ahead = readers().submit(listing)

    def all(self, conn: Connection) -> dict[str, str]:
        self.prefetch(conn, list(self._listing(conn)))
        for name in [n for n in self._listing(conn) if n not in self._xml]:
            self._fill(name)
        return self._xml

    def read(self, conn: Connection, name: str) -> Read | None:
        """(XML, object) of ``name``; None when it is not defined."""
        if self._handles is None and not self._list_first:
            if name not in self._single:
                self._single[name] = self._read_one(conn, name)
            return self._single[name]
        handles = self._listing(conn)
        if name in handles and name not in self._xml:
            self._fill(name)
        return (self._xml[name], handles[name]) if name in self._xml else None

    def get(self, conn: Connection, name: str) -> str | None:
        read = self.read(conn, name)
        return None if read is None else read[0]

    def _refresh(self, conn: Connection, name: str) -> None:
        assert self._handles is not None
        read = self._read_one(conn, name)
        if read is None:
            self._xml.pop(name, None)
            self._handles.pop(name, None)
        else:
            self._xml[name], self._handles[name] = read
        self._stale.discard(name)
        self.version += 1

    def forget(self, name: str | None = None) -> None:
        self._ahead = None  # it may have read before this run's change: listed again when asked
        if name is None:
            self._handles, self._xml, self._single, self._pending = None, {}, {}, {}
            return
        self._single.pop(name, None)
        self._pending.pop(name, None)  # read before this run changed it: read again
        if self._handles is not None:
            self._stale.add(name)


def _read(lookup: Callable[[], Any], flags: int) -> Read | None:
    """(XML, object) of the object ``lookup()`` finds; None when there is none."""
    def read() -> Read:
        obj = lookup()
        return obj.XMLDesc(flags), obj

    return _or_none(read)


class _Settled:
    """Names of the objects of one kind that are active and start at boot (one filtered listing;
    the pool and the networks a run converges, asked again by every domain that uses them)."""

    def __init__(self, list_all: Callable[[Any, int], list[Any]], flags: int) -> None:
        self._list_all = list_all
        self._flags = flags
        self._objects: dict[str, Any] | None = None  # name -> the listed object
        self._ahead: Future[dict[str, Any]] | None = None  # read_ahead's listing

    def _list(self, conn: Connection) -> dict[str, Any]:
        return {obj.name(): obj for obj in self._list_all(conn, self._flags)}

    def read_ahead(self, conn: Connection) -> Future[dict[str, Any]] | None:
        """Start the listing in the reader pool; the future, unless already listed."""
        if self._objects is None and self._ahead is None:
            self._ahead = readers().submit(self._list, conn)
        return self._ahead

    def includes(self, conn: Connection, name: str) -> bool:
        if self._objects is None:
            ahead, self._ahead = self._ahead, None
            self._objects = ahead.result() if ahead is not None else self._list(conn)
        return name in self._objects

    def listed(self, name: str) -> Any | None:
        """The object ``name`` when this run has listed it settled (so active) and nothing of it
        changed since; asks libvirt nothing."""
        return None if self._objects is None else self._objects.get(name)

    def forget(self) -> None:
        self._objects, self._ahead = None, None


def list_domains(conn: Connection) -> dict[str, str]:
    """name -> inactive XML of every defined domain; one undefined meanwhile is simply absent."""
    out = {}
    for dom in conn.listAllDomains(0):
        xml = _or_none(lambda dom=dom: dom.XMLDesc(INACTIVE))
        if xml is not None:
            out[dom.name()] = xml
    return out


def read_domain(conn: Connection, name: str) -> Read | None:
    """(inactive XML, domain) of domain ``name``; None when it is not defined."""
    return _read(lambda: conn.lookupByName(name), INACTIVE)


def _active_pool(conn: Connection, name: str) -> Any | None:
    pool = _or_none(lambda: conn.storagePoolLookupByName(name))
    return (
        pool if pool is not None and pool.isActive() else None
    )  # an inactive pool lists no volumes


class _Volumes:
    """The volumes of one pool. ``list_first``: they are listed in one call, and each one's XML
    is read only when asked (a no-op asks whether a volume exists, and the shape of those whose
    shape matters: domain.py); otherwise each asked volume is read alone."""

    def __init__(self, pool_name: str, list_first: bool, settled: _Settled) -> None:
        self._pool_name = pool_name
        self._list_first = list_first
        self._settled = settled  # the settled pools: one listed there is active, no lookup
        self._names: set[str] | None = None  # every volume, once listed
        self._pool: Any | None = None  # the pool they were listed from (None: inactive or missing)
        self._handles: dict[str, Any] = {}  # the listed volumes (not those changed since)
        self._xml: dict[str, str | None] = {}
        self._stale: set[str] = set()
        self._ahead: Future[tuple[Any | None, list[Any]]] | None = None  # read_ahead's listing

    def _list(self, conn: Connection, settled: Future[dict[str, Any]] | None = None,
              ) -> tuple[Any | None, list[Any]]:
        """(the pool, its volumes): the pool from the settled pools' listing (``settled``: that
        listing still on its way) when it is there, else looked up; no volumes if inactive."""
        listed = (settled.result().get(self._pool_name) if settled is not None
                  else self._settled.listed(self._pool_name))
        pool = listed or _active_pool(conn, self._pool_name)
        return pool, (pool.listAllVolumes(0) if pool is not None else [])

    def read_ahead(self, conn: Connection) -> None:
        """Start the listing in the reader pool, after the settled pools' listing."""
        if self._names is None and self._ahead is None and self._list_first:
            self._ahead = readers().submit(self._list, conn, self._settled.read_ahead(conn))

    def _read_one(self, conn: Connection, name: str) -> str | None:
        vol = self._handles.get(name)
        if vol is not None:
            return _or_none(lambda: vol.XMLDesc(0))
        pool = self._pool if self._names is not None else _active_pool(conn, self._pool_name)
        return (
            None if pool is None else _or_none(lambda: pool.storageVolLookupByName(name).XMLDesc(0))
        )

    def names(self, conn: Connection) -> set[str]:
        if self._names is None:
            ahead, self._ahead = self._ahead, None
            self._pool, listed = ahead.result() if ahead is not None else self._list(conn)
            self._handles = {
                vol.name(): vol for vol in listed
            }  # name(): no call leaves the process
            self._names = set(self._handles)
            self._stale, self._xml = set(), {}
        for name in sorted(self._stale):  # changed by this run: read alone
            self._xml[name] = self._read_one(conn, name)
            (self._names.add if self._xml[name] is not None else self._names.discard)(name)
        self._stale.clear()
        return self._names

    def exists(self, conn: Connection, name: str) -> bool:
        return name in self.names(conn) if self._list_first else self.get(conn, name) is not None

    def get(self, conn: Connection, name: str) -> str | None:
        """The volume's XML; None when it or an active pool is missing."""
        if self._list_first and name not in self.names(conn):
            return None
        if name not in self._xml:
            self._xml[name] = self._read_one(conn, name)
        return self._xml[name]

    def all(self, conn: Connection) -> dict[str, str]:
        """name -> XML of every volume (each read alone)."""
        return {name: xml for name in sorted(self.names(conn)) if (xml := self.get(conn, name))}

    def forget(self, name: str | None = None) -> None:
        self._ahead = None  # it may have listed before this run's change: listed again
        if name is None:
            self._names, self._pool, self._handles, self._xml, self._stale = (
                None,
                None,
                {},
                {},
                set(),
            )
            return
        self._xml.pop(name, None)
        self._handles.pop(name, None)  # deleted or made again: looked up by name
        if self._names is not None:
            self._stale.add(name)


class InventoryCache:
    """Definitions read from one libvirt URI during one run, and what was derived from them."""

    def __init__(self, shared: bool = True) -> None:
        """``shared``: used by many reconcile calls (a Salt run), so objects are listed at once."""
        self._shared = shared
        self.domains = _Section(lambda conn: conn.listAllDomains(0), INACTIVE, read_domain, shared)
        self.networks = _Section(
            lambda conn: conn.listAllNetworks(0), 0,
            lambda conn, name: _read(lambda: conn.networkLookupByName(name), 0),
            shared,
        )
        self.pools = _Section(
            lambda conn: conn.listAllStoragePools(0), 0,
            lambda conn, name: _read(lambda: conn.storagePoolLookupByName(name), 0),
            shared,
        )
        self._volumes: dict[str, _Volumes] = {}
        self.settled_pools = _Settled(lambda conn, flags: conn.listAllStoragePools(flags),
                                      libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE
                                      | libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART)
        self.settled_networks = _Settled(lambda conn, flags: conn.listAllNetworks(flags),
                                         libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE
                                         | libvirt.VIR_CONNECT_LIST_NETWORKS_AUTOSTART)
        self._derived: dict[str, tuple[Any, Any]] = {}

    @property
    def shared(self) -> bool:
        return self._shared

    def volumes(self, pool: str) -> _Volumes:
        if pool not in self._volumes:
            self._volumes[pool] = _Volumes(pool, self._shared, self.settled_pools)
        return self._volumes[pool]

    def read_ahead(self, conn: Connection, pool: str, networks: Iterable[str]) -> None:
        """Start the run's listings in the reader pool (after any definitions already asked
        for), to be collected when first asked: they are on their way while the plan is made.
        ``networks``: those whose XML the run will read."""
        if not self._shared:
            return
        self.pools.read_ahead(conn, None)  # every pool's: a clash is looked for in all of them
        self.networks.read_ahead(conn, networks)
        self.settled_networks.read_ahead(conn)
        self.volumes(pool).read_ahead(conn)

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
        self.settled_networks.forget()

    def forget_pool(self, name: str) -> None:
        self.pools.forget(name)
        self.settled_pools.forget()
        self.volumes(name).forget()

    def forget_volume(self, name: str) -> None:
        for section in self._volumes.values():  # volume names are unique per pool; any pool will do
            section.forget(name)

    def forget_all(self) -> None:
        for section in (self.domains, self.networks, self.pools, *self._volumes.values(),
                        self.settled_pools, self.settled_networks):
            section.forget()
        self._derived.clear()
