"""Who is connected to a unix socket path, read from ``ss -xapH`` output.

A stream socket path has a listening socket and, per accepted connection, a server-side socket
that carries the path and its peer's inode; the client's own socket carries no path, so the
connection is followed through the peer inode to the processes holding the client end. A client
that connected but was not accepted yet (QEMU accepts one client per chardev) shows only as the
listening socket's receive queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# netid state recv-q send-q local-address local-inode peer-address peer-inode [users:(...)]
_LINE = re.compile(
    r"^(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)(?:\s+users:\((.*)\))?\s*$"
)
_USER = re.compile(r'\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)')


@dataclass(frozen=True, slots=True)
class UnixSocket:
    state: str  # LISTEN, ESTAB, ...
    recv_q: int  # for a listening socket: connections waiting to be accepted
    path: str | None  # None for a socket without a name (the client end of a connection)
    inode: int
    peer: int  # 0: none
    processes: tuple[tuple[str, int], ...]  # (command, pid) of every holder


def parse_ss(text: str) -> list[UnixSocket]:
    """Stream sockets of ``ss -xapH`` (lines it cannot read, e.g. other kinds, are left out)."""
    found = []
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None or match.group(1) not in ("u_str", "u_seq"):
            continue
        _netid, state, recv_q, _send_q, local, inode, _peer_addr, peer, users = match.groups()
        holders = tuple((name, int(pid)) for name, pid in _USER.findall(users or ""))
        found.append(
            UnixSocket(
                state, int(recv_q), None if local == "*" else local, int(inode), int(peer), holders
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class PathConnections:
    listening: bool
    waiting: int  # clients connected but not accepted
    clients: tuple[
        tuple[tuple[str, int], ...], ...
    ]  # per accepted connection: its client's holders


def connections_to(sockets: list[UnixSocket], path: str) -> PathConnections:
    by_inode = {s.inode: s for s in sockets}
    listening = [s for s in sockets if s.path == path and s.state == "LISTEN"]
    clients = []
    for server_end in (s for s in sockets if s.path == path and s.state != "LISTEN"):
        client = by_inode.get(server_end.peer)
        clients.append(client.processes if client is not None else ())
    return PathConnections(bool(listening), sum(s.recv_q for s in listening), tuple(clients))
