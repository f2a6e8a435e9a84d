"""A libvirt connection whose every mutating call updates the run's inventory cache.

Reconcile functions wrap the connection they are given (``tracked(conn)``); Salt states hand them
one already wrapped around the run's cache, so all states share one read of libvirt. Every object
the connection hands out reports its mutations too (``proxy.Watched``). What a mutating call
changed is forgotten by the cache and read again on its next use.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .connection import Connection
from .inventory_cache import InventoryCache
from .proxy import KINDS, watch, watchers

T = TypeVar("T")

# Connection calls that create an object, by the kind of what they return.
_CREATES = {"domain": InventoryCache.forget_domain, "network": InventoryCache.forget_network,
            "storagepool": InventoryCache.forget_pool}
_FORGET = {"domain": InventoryCache.forget_domain, "network": InventoryCache.forget_network,
           "storagevol": InventoryCache.forget_volume}


@dataclass(frozen=True, slots=True)
class InventoryTracker:
    """The watcher that keeps ``cache`` true to what this run changed.

    It refers to the cache weakly, and the tracked connection holds the cache: the cache holds
    the objects the connection handed out, which hold their watchers, so a strong reference
    here would make each run's reads a reference cycle, left to the garbage collector (whose
    passes over them then cost later runs of the process milliseconds)."""

    run: weakref.ref[InventoryCache]

    @property
    def cache(self) -> InventoryCache | None:
        return self.run()

    def called(self, kind: str, call: str) -> None:
        """Reads change nothing."""

    def mutated(self, kind: str, target: Any, call: str, result: Any) -> None:
        cache = self.run()
        if cache is None:  # the run is over: nothing is cached any more
            return
        if kind == "connect":
            forget = _CREATES.get(KINDS.get(type(result).__name__, ""))
            if forget is None:  # failed, or not attributable to one object: trust nothing cached
                cache.forget_all()
            else:
                forget(cache, result.name())
        elif kind == "stream":
            return  # a stream carries a volume's content; the volume call was seen already
        elif kind in _FORGET:
            _FORGET[kind](cache, target.name())
        elif call in ("createXML", "createXMLFrom") and result is not None:
            cache.forget_volume(result.name())  # a new volume in this pool
        else:
            cache.forget_pool(target.name())


def tracked(conn: Connection, cache: InventoryCache | None = None) -> Connection:
    """``conn`` reporting its mutations to ``cache``; a connection that is tracked already is
    returned as it is. Without a cache, a fresh one for one reconcile call (reads one by one)."""
    if cache_of(conn) is not None:
        return conn
    cache = InventoryCache(shared=False) if cache is None else cache
    return watch(conn, InventoryTracker(weakref.ref(cache)), keep=cache)


def once_per_run(conn: Connection, key: str, source: Any, decide: Callable[[], T]) -> T:
    """``decide()``; on a tracked connection once per run while ``source`` (what it is decided
    from) compares equal (every domain state of a run asks the same questions)."""
    cache = cache_of(conn)
    return decide() if cache is None else cache.derived(key, source, decide)


def cache_of(conn: Connection) -> InventoryCache | None:
    """The inventory cache behind a tracked connection; None for a plain one (read live)."""
    for watcher in watchers(conn):  # asked a dozen times per domain state: no list made
        if isinstance(watcher, InventoryTracker):
            return watcher.run()
    return None
