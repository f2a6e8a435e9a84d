"""A libvirt connection whose every mutating call updates the run's inventory cache.

Reconcile functions wrap the connection they are given (``tracked(conn)``); Salt states hand them
one already wrapped around the run's cache, so all states share one read of libvirt. Objects the
connection hands out (domains, networks, pools, volumes, streams) are wrapped too, so a mutation
through any of them is seen, and wrapped objects are unwrapped when passed back into libvirt.
What a mutating call changed is forgotten by the cache and read again on its next use.
"""

from __future__ import annotations

from typing import Any, cast

from .connection import Connection
from .counting import MUTATING, Counted
from .inventory_cache import InventoryCache

_KINDS = {"virDomain": "domain", "virNetwork": "network", "virStoragePool": "storagepool",
          "virStorageVol": "storagevol", "virStream": "stream"}
# Connection calls that create an object, by the kind of what they return.
_CREATES = {"domain": InventoryCache.forget_domain, "network": InventoryCache.forget_network,
            "storagepool": InventoryCache.forget_pool}


def _kind(value: Any) -> str | None:
    if isinstance(value, Counted):
        return value._kind  # noqa: SLF001 - the counting proxy in front of the real object
    return _KINDS.get(type(value).__name__)


class _Tracked:
    def __init__(self, target: Any, cache: InventoryCache) -> None:
        self._target = target
        self.inventory = cache

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                result = attr(*(_unwrap(a) for a in args), **{k: _unwrap(v) for k, v in kwargs.items()})
            except BaseException:
                if name in MUTATING:  # it may have changed something before it failed
                    self._mutated(name, None)
                raise
            if name in MUTATING:
                self._mutated(name, result)
            return self._wrap(result)

        return call

    def _mutated(self, call: str, result: Any) -> None:
        """Forget what mutating ``call`` changed; ``result`` is None when it failed."""
        raise NotImplementedError

    def _wrap(self, value: Any) -> Any:
        kind = _kind(value)
        if kind is not None:
            return TrackedObject(value, self.inventory, kind)
        if isinstance(value, list) and value and _kind(value[0]) is not None:
            return [self._wrap(v) for v in value]
        return value


class TrackedConnection(_Tracked):
    def _mutated(self, call: str, result: Any) -> None:
        forget = _CREATES.get(_kind(result) or "")
        if forget is None:  # failed, or not attributable to one object: trust nothing cached
            self.inventory.forget_all()
        else:
            forget(self.inventory, result.name())


class TrackedObject(_Tracked):
    def __init__(self, target: Any, cache: InventoryCache, kind: str) -> None:
        super().__init__(target, cache)
        self._kind = kind

    def _mutated(self, call: str, result: Any) -> None:
        cache = self.inventory
        if self._kind == "stream":
            return  # a stream carries a volume's content; the volume call was seen already
        name = self._target.name()
        if self._kind == "domain":
            cache.forget_domain(name)
        elif self._kind == "network":
            cache.forget_network(name)
        elif self._kind == "storagevol":
            cache.forget_volume(name)
        elif self._kind == "storagepool" and call in ("createXML", "createXMLFrom") and result is not None:
            cache.forget_volume(result.name())  # a new volume in this pool
        else:
            cache.forget_pool(name)


def _unwrap(value: Any) -> Any:
    return value._target if isinstance(value, _Tracked) else value


def tracked(conn: Connection, cache: InventoryCache | None = None) -> Connection:
    """``conn`` reporting its mutations to ``cache``; a connection that is tracked already is
    returned as it is. Without a cache, a fresh one for one reconcile call (reads one by one)."""
    if isinstance(conn, TrackedConnection):
        return conn
    fresh = cache if cache is not None else InventoryCache(shared=False)
    return cast(Connection, TrackedConnection(conn, fresh))  # has every call: __getattr__


def cache_of(conn: Connection) -> InventoryCache | None:
    """The inventory cache behind a tracked connection; None for a plain one (read live)."""
    return conn.inventory if isinstance(conn, TrackedConnection) else None
