"""One libvirt connection per URI for all the states of one Salt run.

Opening a connection to qemu:///system (socket, handshake, authentication) costs more than a
no-op domain state's own work, so the states of a run share one, held in Salt's ``__context__``
(one dict per state run) beside the run's inventory. It is closed when the run's context goes
(libvirt's binding closes a connection it collects; a ``salt-call`` or a minion's job process
ends with its run).

A held connection may have died since an earlier state: libvirtd restarted (a host state of the
same highstate restarting it, an upgrade). The binding runs no event loop, so nothing says so
until a call fails; a state whose connection is then found closed runs once more on a new
connection, from a fresh read of libvirt.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

import libvirt

from .connection import Connection, open_connection

CONNECTIONS_KEY = "bulkhead.connections"
T = TypeVar("T")


def alive(conn: Connection) -> bool:
    """Whether ``conn`` is still open (asked locally: no call reaches libvirtd)."""
    try:
        return bool(conn.isAlive())
    except libvirt.libvirtError:  # closed already
        return False


def on_run_connection(context: dict, uri: str, use: Callable[[Connection], T], *,
                      failed: Callable[[T], bool], reopened: Callable[[], None]) -> T:
    """``use(conn)`` on the run's connection to ``uri``, opened on first use. When ``use`` raised
    a libvirt error or returned what ``failed`` calls a failure and the connection proves closed,
    ``reopened()`` (forget what was read through it) and ``use`` once more on a new one."""
    held: dict[str, Any] = context.setdefault(CONNECTIONS_KEY, {})
    conn = held.get(uri)
    if conn is None:  # a new connection: its failures are the state's own
        conn = held[uri] = open_connection(uri)
        return use(conn)
    try:
        result = use(conn)
    except libvirt.libvirtError:
        if alive(conn):
            raise
    else:
        if not failed(result) or alive(conn):
            return result
    held.pop(uri, None)
    with contextlib.suppress(libvirt.libvirtError):
        conn.close()
    reopened()
    conn = held[uri] = open_connection(uri)
    return use(conn)
