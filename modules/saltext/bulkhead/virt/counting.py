"""A thin proxy around a libvirt connection that logs every call, to prove idempotence.

Objects handed out by the connection (domains, networks, pools, volumes, streams) are wrapped too,
and wrapped objects passed back into libvirt are unwrapped, so the whole call tree is seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libvirt

# Calls that change hypervisor state or persistent configuration. Everything else is a read.
MUTATING = frozenset({
    "build", "create", "createWithFlags", "createXML", "createXMLFrom", "defineXML", "defineXMLFlags",
    "delete", "destroy", "destroyFlags", "finish", "networkCreateXML", "networkDefineXML",
    "reboot", "reset", "resize", "resume", "send", "sendAll", "setAutostart", "setMemory",
    "setMemoryFlags", "setMetadata", "shutdown", "shutdownFlags", "storagePoolCreateXML",
    "storagePoolDefineXML", "suspend", "undefine", "undefineFlags", "upload", "wipe",
})
_WRAPPED = (libvirt.virDomain, libvirt.virNetwork, libvirt.virStoragePool, libvirt.virStorageVol,
            libvirt.virStream)


@dataclass
class CallLog:
    calls: list[str] = field(default_factory=list)

    @property
    def mutating(self) -> list[str]:
        return [c for c in self.calls if c.rsplit(".", 1)[-1] in MUTATING]

    def clear(self) -> None:
        self.calls.clear()


class Counted:
    """Proxy for one libvirt object; ``kind`` prefixes the logged call names."""

    def __init__(self, target: Any, log: CallLog, kind: str):
        self._target = target
        self._log = log
        self._kind = kind

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self._log.calls.append(f"{self._kind}.{name}")
            result = attr(*(_unwrap(a) for a in args), **{k: _unwrap(v) for k, v in kwargs.items()})
            return self._wrap(result)

        return call

    def _wrap(self, value: Any) -> Any:
        if isinstance(value, _WRAPPED):
            return Counted(value, self._log, type(value).__name__.removeprefix("vir").lower())
        if isinstance(value, list) and value and isinstance(value[0], _WRAPPED):
            return [self._wrap(v) for v in value]
        return value


def _unwrap(value: Any) -> Any:
    return value._target if isinstance(value, Counted) else value


def counting(conn: libvirt.virConnect) -> tuple[Any, CallLog]:
    """Wrap ``conn``; returns the proxy (use it wherever a connection is expected) and its log."""
    log = CallLog()
    return Counted(conn, log, "connect"), log
