"""Bytes and file descriptors waiting to be written to one socket, in order, bounded.

Wayland passes file descriptors beside the bytes (SCM_RIGHTS); the receiver queues them and takes
them in order as it decodes messages that carry one, so a descriptor must arrive no later than the
bytes of its message. The filter forwards the descriptors of one read with the first bytes it
forwards from that read or after it, never later; they are closed here once sent. libwayland
sends at most 28 per sendmsg and reads no more per recvmsg (``MAX_FDS_PER_SEND``): a read that
brings more, or a queue over its bounds, closes the connection.
"""

from __future__ import annotations

import array
import os
import socket
from collections import deque

from .wire import Violation

MAX_FDS_PER_SEND = 28


class Outbox:
    """What is queued for one socket: records of (bytes, descriptors sent with their first byte)."""

    def __init__(self, max_bytes: int, max_fds: int) -> None:
        self.records: deque[tuple[bytearray, list[int]]] = deque()
        self.max_bytes, self.max_fds = max_bytes, max_fds
        self.bytes = self.fds = 0

    def push(self, data: bytes, fds: list[int]) -> None:
        """Queue ``data``; ``fds`` go out with it (or with the next bytes if it is empty)."""
        last = self.records[-1] if self.records else None
        if fds and (last is None or last[0]):
            last = (bytearray(), [])
            self.records.append(last)
        elif last is None:
            if not data:
                return
            last = (bytearray(), [])
            self.records.append(last)
        last[0].extend(data)
        last[1].extend(fds)
        self.bytes += len(data)
        self.fds += len(fds)
        if len(last[1]) > MAX_FDS_PER_SEND:
            raise Violation("more file descriptors in one write than libwayland sends")
        if self.bytes > self.max_bytes or self.fds > self.max_fds:
            raise Violation(f"peer does not read: {self.bytes} bytes, {self.fds} fds queued")

    def flush(self, sock: socket.socket) -> None:
        """Write what the socket takes now (non-blocking); the rest stays queued."""
        while self.records and self.records[0][0]:
            data, fds = self.records[0]
            ancillary = (
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
            )
            try:
                sent = sock.sendmsg([data], ancillary)
            except BlockingIOError:
                return
            for fd in fds:
                os.close(fd)
            self.fds -= len(fds)
            fds.clear()
            del data[:sent]
            self.bytes -= sent
            if data:
                return
            self.records.popleft()

    def close(self) -> None:
        """Close every descriptor still queued (the connection is going away)."""
        for _, fds in self.records:
            for fd in fds:
                os.close(fd)
        self.records.clear()
        self.bytes = self.fds = 0


def receive(sock: socket.socket, size: int = 65536) -> tuple[bytes, list[int]]:
    """One read: the bytes and the descriptors that came with them. Truncated ancillary data is a
    ``Violation`` (the descriptors cut off would be lost); b"" means the peer closed."""
    fds = array.array("i")
    data, ancillary, flags, _ = sock.recvmsg(size, socket.CMSG_SPACE(253 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    if flags & socket.MSG_CTRUNC:
        for fd in fds:
            os.close(fd)
        raise Violation("ancillary data truncated")
    return data, list(fds)
