"""The one proxy in front of a libvirt connection: every call is reported to its watchers.

Two watchers use it: ``counting`` logs each call (the proofs that a second run or test mode
changes nothing) and ``tracked`` tells the run's inventory cache what a mutating call changed.
Objects the connection hands out (domains, networks, pools, volumes, streams) are wrapped too,
with the same watchers, so the whole call tree is seen; wrapped objects passed back into libvirt
are unwrapped. Watching an already watched connection adds a watcher to the same one proxy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:  # the Protocol only: this module needs no libvirt
    from .connection import Connection

# Calls that change hypervisor state or persistent configuration. Everything else is a read.
MUTATING = frozenset({
    "build", "create", "createWithFlags", "createXML", "createXMLFrom", "defineXML",
    "defineXMLFlags", "delete", "destroy", "destroyFlags", "finish", "networkCreateXML",
    "networkDefineXML", "reboot", "reset", "resize", "resume", "send", "sendAll", "setAutostart",
    "setMemory", "setMemoryFlags", "setMetadata", "shutdown", "shutdownFlags",
    "storagePoolCreateXML", "storagePoolDefineXML", "suspend", "undefine", "undefineFlags",
    "upload", "wipe",
})
# Calls the binding answers from the object itself: nothing reaches libvirtd (a connection's
# URI is the one it was opened with, formatted by the client library). Not reported to watchers
# (a run asks every listed object its name).
LOCAL = frozenset({"name", "getURI"})
# What each libvirt object is called in logs and by watchers (the connection is "connect").
KINDS = {"virDomain": "domain", "virNetwork": "network", "virStoragePool": "storagepool",
         "virStorageVol": "storagevol", "virStream": "stream"}


class Watcher(Protocol):
    def called(self, kind: str, call: str) -> None:
        """Before ``call`` (any but a ``LOCAL`` one) on an object of ``kind``."""

    def mutated(self, kind: str, target: Any, call: str, result: Any) -> None:
        """After mutating ``call`` on ``target`` (unwrapped); ``result`` is None if it failed."""


class Watched:
    """One libvirt object whose calls go through ``watchers``; ``kind`` names what it is."""

    def __init__(self, target: Any, kind: str, watchers: tuple[Watcher, ...],
                 keep: Any = None) -> None:
        self._target = target
        self._kind = kind
        self._watchers = watchers
        # What a watcher refers to weakly, held by the connection only (not by the objects it
        # hands out, which a watcher's state may hold: that would be a reference cycle).
        self._keep = keep

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr) or name in LOCAL:  # nothing reaches libvirtd: nothing to report
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            for watcher in self._watchers:
                watcher.called(self._kind, name)
            try:
                result = attr(*(_unwrap(a) for a in args),
                              **{k: _unwrap(v) for k, v in kwargs.items()})
            except BaseException:
                if name in MUTATING:  # it may have changed something before it failed
                    self._mutated(name, None)
                raise
            if name in MUTATING:
                self._mutated(name, result)
            return self._wrap(result)

        return call

    def _mutated(self, call: str, result: Any) -> None:
        for watcher in self._watchers:
            watcher.mutated(self._kind, self._target, call, result)

    def _wrap(self, value: Any) -> Any:
        kind = KINDS.get(type(value).__name__)
        if kind is not None:
            return Watched(value, kind, self._watchers)
        if isinstance(value, list) and value and type(value[0]).__name__ in KINDS:
            return [self._wrap(v) for v in value]
        return value


def _unwrap(value: Any) -> Any:
    return value._target if isinstance(value, Watched) else value  # noqa: SLF001 - our own class


def watch(conn: Connection, watcher: Watcher, keep: Any = None) -> Connection:
    """``conn`` (plain or watched already) with ``watcher`` added to its watchers; the new
    connection holds ``keep`` (what ``watcher`` refers to weakly) while it lives."""
    if isinstance(conn, Watched):
        seen: Watched = conn
        held = seen._keep if keep is None else keep  # noqa: SLF001
        return cast("Connection", Watched(seen._target, seen._kind, (*seen._watchers, watcher),  # noqa: SLF001
                                          held))
    return cast("Connection", Watched(conn, "connect", (watcher,), keep))


def watchers(conn: Connection) -> tuple[Watcher, ...]:
    """Who watches ``conn`` (none for a plain connection)."""
    seen: Any = conn
    return seen._watchers if isinstance(seen, Watched) else ()  # noqa: SLF001
