"""The volumes of one storage pool, as one run lists and reads them."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from ..connection import Connection
from ..readers import Batch
from .reads import or_none
from .settled import Settled


def _active_pool(conn: Connection, name: str) -> Any | None:
    pool = or_none(lambda: conn.storagePoolLookupByName(name))
    return pool if pool is not None and pool.isActive() else None  # inactive: lists no volumes


class Volumes:
    """The volumes of one pool. ``list_first``: they are listed in one call, and each one's XML
    is read only when asked (a no-op asks whether a volume exists, and the shape of those whose
    shape matters: domain.py); otherwise each asked volume is read alone."""

    def __init__(self, pool_name: str, list_first: bool, settled: Settled) -> None:
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

    def read_ahead(self, batch: Batch, conn: Connection) -> None:
        """Add the listing to ``batch``, after the settled pools' listing (which it waits for:
        taken from the batch before it, that one is on its way when this one starts)."""
        if self._names is None and self._ahead is None and self._list_first:
            self._ahead = batch.add(self._list, conn, self._settled.read_ahead(batch, conn))

    def _read_one(self, conn: Connection, name: str) -> str | None:
        vol = self._handles.get(name)
        if vol is not None:
            return or_none(lambda: vol.XMLDesc(0))
        pool = self._pool if self._names is not None else _active_pool(conn, self._pool_name)
        return None if pool is None else or_none(
            lambda: pool.storageVolLookupByName(name).XMLDesc(0))

    def names(self, conn: Connection) -> set[str]:
        if self._names is None:
            ahead, self._ahead = self._ahead, None
            self._pool, listed = ahead.result() if ahead is not None else self._list(conn)
            self._handles = {vol.name(): vol for vol in listed}  # name(): asks libvirtd nothing
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
            self._names, self._pool, self._handles, self._xml = None, None, {}, {}
            self._stale = set()
            return
        self._xml.pop(name, None)
        self._handles.pop(name, None)  # deleted or made again: looked up by name
        if self._names is not None:
            self._stale.add(name)
