"""Count the libvirt calls of a connection, to prove idempotence and test mode.

``counting(conn)`` gives the connection to use and its log; the log names every call by the kind
of object and the method (``connect.listAllDomains``, ``domain.create``), and keeps apart the
calls that change something (``MUTATING``) from the reads. Calls the binding answers without
libvirtd (``LOCAL``: an object's name) are not logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .connection import Connection
from .proxy import MUTATING, watch


@dataclass
class CallLog:
    calls: list[str] = field(default_factory=list)

    @property
    def mutating(self) -> list[str]:
        return [c for c in self.calls if c.rsplit(".", 1)[-1] in MUTATING]

    def clear(self) -> None:
        self.calls.clear()

    def called(self, kind: str, call: str) -> None:
        self.calls.append(f"{kind}.{call}")  # the proxy reports no LOCAL call

    def mutated(self, kind: str, target: Any, call: str, result: Any) -> None:
        """Nothing more to log: the call was logged before it ran."""


def counting(conn: Connection) -> tuple[Connection, CallLog]:
    """Wrap ``conn``; returns the proxy (use it wherever a connection is expected) and its log."""
    log = CallLog()
    return watch(conn, log), log
