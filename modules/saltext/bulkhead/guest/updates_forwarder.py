"""``bulkhead-updates-forwarder TARGET [PORT]`` in a template (it has no network): apt's proxy at
``127.0.0.1:PORT``; each connection apt opens becomes one ``qubes.UpdatesProxy`` call to TARGET
through the RPC broker (the policy decides), the connection's bytes being the call's stdin and
stdout (Qubes' qubes-updates-proxy-forwarder). Connections are served one after another:
bulkhead-rpcd carries one call at a time, and apt uses one connection per repository host.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Iterator

from .client import call
from .daemon import LOCAL_SOCKET

SERVICE = "qubes.UpdatesProxy"
PORT = 8082


class SocketChunks:
    """What apt sends on one connection, until it closes its side or ``stop`` is called."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn

    def __iter__(self) -> Iterator[bytes]:
        while data := self.conn.recv(65536):
            yield data

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # wakes the recv: the call is over
            self.conn.shutdown(socket.SHUT_RD)


def forward(conn: socket.socket, target: str, local_socket: str = LOCAL_SOCKET) -> int:
    """One connection as one call; the call's exit status."""
    with conn, conn.makefile("wb", buffering=0) as out:
        return call(target, SERVICE + "+", SocketChunks(conn), out, local_socket)


def serve(server: socket.socket, target: str, local_socket: str = LOCAL_SOCKET,
          connections: int | None = None) -> None:
    """Forward connections accepted on ``server`` (``connections`` of them, or for ever)."""
    served = 0
    while connections is None or served < connections:
        conn, _ = server.accept()
        forward(conn, target, local_socket)
        served += 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2) or (len(args) == 2 and not args[1].isdigit()):
        print("usage: bulkhead-updates-forwarder TARGET [PORT]", file=sys.stderr)
        return 2
    port = int(args[1]) if len(args) == 2 else PORT
    with socket.create_server(("127.0.0.1", port)) as server:
        serve(server, args[0])
    return 0
