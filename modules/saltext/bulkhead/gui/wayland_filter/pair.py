"""One client connection, its own connection to the compositor, the filter between them, and
what waits to be written to each (bounded by ``Limits``)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

from .outbox import Outbox, receive
from .stream import Stream
from .wire import Violation

UPSTREAM_READS = 64  # per wake-up, 64 KiB each; the to_client bound closes long before


def close_all(fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)


@dataclass(frozen=True)
class Limits:
    max_connections: int = 16
    max_queued: int = 1 << 20
    max_fds: int = 128
    high_water: int = 256 << 10


class Pair:
    """A client connection, its upstream connection and the filter between them."""

    def __init__(self, client: socket.socket, upstream: socket.socket, limits: Limits,
                 marker: str) -> None:
        self.client, self.upstream, self.stream = client, upstream, Stream(marker)
        self.to_upstream = Outbox(limits.max_queued, limits.max_fds)
        self.to_client = Outbox(limits.max_queued, limits.max_fds)

    @staticmethod
    def read(sock: socket.socket, feed: Callable[[bytes], bytes]) -> tuple[bytes, list[int]] | None:
        """One read through the filter: (bytes to forward, descriptors), None at end of stream."""
        data, fds = receive(sock)
        if data:
            try:
                return feed(data), fds
            except Violation:
                close_all(fds)
                raise
        close_all(fds)
        return None

    def from_client(self) -> bool:
        got = self.read(self.client, self.stream.requests)
        if got is not None:
            self.to_upstream.push(*got)
        return got is not None

    def from_upstream(self) -> bool:
        """Read the compositor until it has nothing more (a compositor whose socket to a client
        fills up disconnects that client, so the filter drains faster than it feeds)."""
        for _ in range(UPSTREAM_READS):
            try:
                got = self.read(self.upstream, self.stream.events)
            except BlockingIOError:
                return True
            if got is None:
                return False
            self.to_client.push(*got)
            self.to_upstream.push(self.stream.take_upstream(), [])
        return True

    def close(self) -> None:
        self.to_upstream.close()
        self.to_client.close()
        self.client.close()
        self.upstream.close()
