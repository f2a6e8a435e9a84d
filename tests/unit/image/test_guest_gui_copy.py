"""The guest's bulkhead-gui copy loop: a session that ends by a reset still tells the host."""

from __future__ import annotations

import socket
import struct
import threading

from ...guest_gui import guest_gui_program


def _frames(data: bytes) -> list[bytes]:
    frames = []
    while data:
        (length,) = struct.unpack(">I", data[:4])
        frames.append(data[4:4 + length])
        data = data[4 + length:]
    return frames


def _session(end, from_host: bytes = b"") -> list[bytes]:
    """Run copy between a port (a socket pair standing for the virtio port) and a waypipe
    server's connection, which ``end`` ends; the frames the host got."""
    host, port = socket.socketpair()
    server, conn = socket.socketpair()
    copier = threading.Thread(target=guest_gui_program().copy, args=(port.fileno(), conn))
    copier.start()
    server.sendall(b"hello")
    if from_host:  # what the host sends reaches the server, which never reads it
        host.sendall(from_host)
        server.recv(5, socket.MSG_PEEK)
    end(server)
    copier.join(10)
    assert not copier.is_alive()
    port.close()
    received = b""
    while chunk := host.recv(65536):
        received += chunk
    return _frames(received)


def test_a_server_that_closes_ends_the_session_with_an_empty_frame():
    assert _session(lambda server: server.close()) == [b"hello", b""]


def test_a_server_that_resets_still_ends_the_session_with_an_empty_frame():
    # a unix socket closed with data unread resets its peer: the copy's recv raises
    assert _session(lambda server: server.close(), from_host=b"bytes") == [b"hello", b""]
