"""The filter's clipboard control socket on real unix sockets (a listening socket stands in for
the compositor): ``copy`` injects wl_data_source.send with a pipe into the client that owns the
domain's selection and answers with what it writes, bounded in size and time; a peer that is
not root is refused before it is read."""

from __future__ import annotations

import array
import os
import socket
import subprocess
import tempfile
import threading

import pytest

from saltext.bulkhead.gui.wayland_filter import control
from saltext.bulkhead.gui.wayland_filter.__main__ import listen
from saltext.bulkhead.gui.wayland_filter.clipboard import TEXT
from saltext.bulkhead.gui.wayland_filter.control_wire import MAX_TEXT, parse_reply
from saltext.bulkhead.gui.wayland_filter.pair import Limits
from saltext.bulkhead.gui.wayland_filter.relay import Relay
from saltext.bulkhead.gui.wayland_filter.wire import build, split, string, u32

from .messages import bind, get_registry, global_

MANAGER, SOURCE, DEVICE, SEAT = 5, 6, 7, 8


class Rig:
    def __init__(self, folder: str) -> None:
        self.compositor = listen(f"{folder}/compositor")
        self.control_path = f"{folder}/control"
        self.relay = Relay(listen(f"{folder}/filter"), f"{folder}/compositor", "work", Limits(),
                           listen(self.control_path))
        self.client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.client.connect(f"{folder}/filter")
        self.relay.step(5)
        self.upstream, _ = self.compositor.accept()

    def select_text(self) -> None:
        """The client makes a source offering text its selection, through the filter."""
        self.client.sendall(get_registry())
        self.steps(2)
        self.upstream.sendall(global_(3, "wl_data_device_manager", 3))
        self.steps(2)
        self.client.sendall(bind(3, "wl_data_device_manager", 3, MANAGER)
                            + build(MANAGER, 1, u32(DEVICE) + u32(SEAT))
                            + build(MANAGER, 0, u32(SOURCE)) + build(SOURCE, 0, string(TEXT))
                            + build(DEVICE, 1, u32(SOURCE) + u32(1)))
        self.steps(4)

    def steps(self, count: int) -> None:
        for _ in range(count):
            self.relay.step(0.05)

    def copy(self) -> socket.socket:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(self.control_path)
        conn.sendall(b"copy\n")
        self.steps(2)
        return conn

    def injected(self) -> tuple[list, int]:
        """The events the client got and the descriptor that came with them."""
        self.client.settimeout(5)
        data, ancillary, _, _ = self.client.recvmsg(65536, socket.CMSG_SPACE(4 * 4))
        fds = array.array("i")
        for _, _, payload in ancillary:
            fds.frombytes(payload)
        (fd,) = fds
        return split(bytearray(data)), fd

    def reply(self, conn: socket.socket) -> tuple[bool, bytes]:
        conn.setblocking(False)
        data = b""
        for _ in range(400):
            self.relay.step(0.05)
            try:
                data += conn.recv(MAX_TEXT * 2)
            except BlockingIOError:
                continue
            if (got := parse_reply(data)) is not None:
                return got
        raise AssertionError(f"no reply: {data[:80]!r}")


@pytest.fixture
def rig(tmp_path):
    return Rig(str(tmp_path))


def test_copy_asks_the_selection_owner_for_text_and_answers_with_it(rig):
    rig.select_text()
    conn = rig.copy()
    events, fd = rig.injected()
    assert events[-1].raw == build(SOURCE, 1, string(TEXT))  # after the relayed global
    os.write(fd, "hällo \x1b]0;".encode())
    os.close(fd)
    assert rig.reply(conn) == (True, "hällo \x1b]0;".encode())


def test_copy_without_a_selection_is_refused(rig):
    assert rig.reply(rig.copy()) == (False, b"the domain has no text selection")


def test_a_selection_over_the_bound_is_refused(rig):
    rig.select_text()
    conn = rig.copy()
    _, fd = rig.injected()
    writer = threading.Thread(target=lambda: (os.write(fd, b"a" * (MAX_TEXT + 1)), os.close(fd)))
    writer.start()
    try:
        assert rig.reply(conn) == (False, f"selection over {MAX_TEXT} bytes".encode())
    finally:
        writer.join(30)


def test_a_client_that_never_writes_is_answered_at_the_deadline(rig, monkeypatch):
    monkeypatch.setattr(control, "FETCH_SECONDS", 0.2)
    rig.select_text()
    conn = rig.copy()
    _, fd = rig.injected()
    try:
        done, reason = rig.reply(conn)
    finally:
        os.close(fd)
    assert not done and b"did not write its selection" in reason


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to connect as another user")
def test_a_peer_that_is_not_root_is_refused_unread():
    folder = tempfile.mkdtemp()
    try:
        os.chmod(folder, 0o755)
        rig = Rig(folder)
        os.chmod(rig.control_path, 0o666)
        probe = ("import socket, sys\ns = socket.socket(socket.AF_UNIX)\n"
                 f"s.connect({rig.control_path!r})\n"
                 "try:\n    s.sendall(b'copy\\n')\n    print(repr(s.recv(100)))\n"
                 "except OSError:\n    print(repr(b''))\n")
        child = subprocess.Popen(["/usr/bin/python3", "-c", probe], user=65534, group=65534,
                                 extra_groups=[], stdout=subprocess.PIPE, text=True)
        while child.poll() is None:
            rig.relay.step(0.05)
        assert child.communicate()[0].strip() == "b''"  # closed, no answer
    finally:
        subprocess.run(["rm", "-rf", folder], check=True)
