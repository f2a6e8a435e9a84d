"""The socket loop, on real unix sockets with a listening socket standing in for the compositor:
bytes pass unchanged with their file descriptors, a violation closes both sides, the connection
cap holds, a client's queue is bounded, and the log escapes what it writes."""

from __future__ import annotations

import array
import logging
import os
import socket

import pytest

from saltext.bulkhead.gui.wayland_filter.__main__ import listen
from saltext.bulkhead.gui.wayland_filter.outbox import Outbox
from saltext.bulkhead.gui.wayland_filter.pair import Limits
from saltext.bulkhead.gui.wayland_filter.relay import Relay
from saltext.bulkhead.gui.wayland_filter.wire import Violation, build, u32


class Rig:
    def __init__(self, tmp_path, limits: Limits | None = None, domain: str = "work") -> None:
        self.compositor = listen(str(tmp_path / "compositor"))
        self.relay = Relay(listen(str(tmp_path / "filter")), str(tmp_path / "compositor"),
                           domain, limits or Limits())
        self.path = str(tmp_path / "filter")

    def connect(self) -> tuple[socket.socket, socket.socket]:
        """A client and the compositor's end of its relayed connection."""
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(self.path)
        self.relay.step(5)
        upstream, _ = self.compositor.accept()
        return client, upstream

    def receive(self, sock: socket.socket, size: int) -> tuple[bytes, list[int]]:
        """``size`` bytes from ``sock`` and the descriptors that came with them, running the relay
        meanwhile."""
        data, fds = b"", array.array("i")
        sock.setblocking(False)
        for _ in range(200):
            self.relay.step(0.05)
            try:
                chunk, ancillary, _, _ = sock.recvmsg(65536, socket.CMSG_SPACE(64 * 4))
            except BlockingIOError:
                continue
            for _, _, payload in ancillary:
                fds.frombytes(payload)
            data += chunk
            if len(data) >= size or not chunk:
                break
        return data, list(fds)


def send(sock: socket.socket, data: bytes, fds: list[int]) -> None:
    sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])


def same_file(a: int, b: int) -> bool:
    return (os.fstat(a).st_ino, os.fstat(a).st_dev) == (os.fstat(b).st_ino, os.fstat(b).st_dev)


def test_bytes_and_descriptors_pass_both_ways_in_order(tmp_path):
    rig = Rig(tmp_path)
    client, upstream = rig.connect()
    files = [os.memfd_create(f"f{i}") for i in range(3)]
    request = build(9, 0, u32(10) + u32(4096)) + build(9, 1, b"")
    send(client, request, files[:2])
    data, fds = rig.receive(upstream, len(request))
    assert data == request and [same_file(a, b) for a, b in zip(fds, files[:2], strict=True)] == [
        1,
        1,
    ]
    event = build(11, 0, u32(1) + u32(40))  # a keymap-like event with a descriptor
    send(upstream, event, files[2:])
    data, fds = rig.receive(client, len(event))
    assert data == event and len(fds) == 1 and same_file(fds[0], files[2])


def test_a_violation_closes_both_sides(tmp_path):
    rig = Rig(tmp_path)
    client, upstream = rig.connect()
    client.sendall(u32(1) + u32(6 << 16))  # size 6: no message is that short
    assert rig.receive(upstream, 1) == (b"", [])
    assert rig.receive(client, 1) == (b"", [])
    assert not rig.relay.pairs


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_connections_over_the_cap_are_closed_and_logged_escaped(tmp_path):
    log, lines = logging.getLogger("bulkhead.gui.filter"), Lines()
    log.addHandler(lines)
    log.propagate, level = False, log.level  # Salt's handlers on the root would keep the record
    log.setLevel(logging.INFO)
    try:
        rig = Rig(tmp_path, Limits(max_connections=1), domain="evil\x1b[2J")
        rig.connect()
        extra = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        extra.connect(rig.path)
        assert rig.receive(extra, 1) == (b"", [])
    finally:
        log.removeHandler(lines)
        log.propagate = True
        log.setLevel(level)
    text = "\n".join(lines.lines)
    assert "connection refused, 1 already open" in text
    assert "\x1b" not in text and "evil\\x1b[2J" in text


def test_an_outbox_over_its_bounds_closes():
    box = Outbox(max_bytes=16, max_fds=1)
    box.push(b"x" * 16, [])
    with pytest.raises(Violation):
        box.push(b"y", [])
    box = Outbox(max_bytes=1 << 20, max_fds=1)
    files = [os.memfd_create("a"), os.memfd_create("b")]
    with pytest.raises(Violation):
        box.push(b"z", files)
    box.close()  # closes the queued descriptors
    assert all(not os.path.exists(f"/proc/self/fd/{fd}") for fd in files)


def test_descriptors_that_came_with_dropped_bytes_go_with_the_next_bytes():
    box = Outbox(max_bytes=1 << 20, max_fds=8)
    fd = os.memfd_create("a")
    box.push(b"", [fd])  # a read whose messages were all dropped (or are incomplete)
    box.push(b"next", [])
    left, right = socket.socketpair()
    box.flush(left)
    data, ancillary, _, _ = right.recvmsg(16, socket.CMSG_SPACE(4))
    assert data == b"next" and len(ancillary) == 1
