"""The filter's paste connection against a scripted compositor: it sets the selection from a
source offering the domain's marker and the text types, serves a send of the live source with
the text, closes the descriptor of any other send, destroys offers it is sent, and drops the text
when the compositor cancels its source."""

from __future__ import annotations

import array
import os
import select
import socket
import threading

import pytest

from saltext.bulkhead.gui.wayland_filter.__main__ import listen
from saltext.bulkhead.gui.wayland_filter.paste import TEXT_TYPES, Paster
from saltext.bulkhead.gui.wayland_filter.wire import Message, build, split, string, u32

from .messages import MARKER

OFFER = 0xFF000001


class Compositor:
    """Answers the paste connection's setup (registry, syncs) from a thread, and records it."""

    def __init__(self, path: str) -> None:
        self.listener = listen(path)
        self.requests: list[Message] = []
        self.thread = threading.Thread(target=self.setup, daemon=True)
        self.thread.start()

    def setup(self) -> None:
        self.conn, _ = self.listener.accept()
        buffer, syncs = bytearray(), 0
        while syncs < 2:  # the registry's roundtrip and the device's
            buffer += self.conn.recv(65536)
            for message in split(buffer):
                self.requests.append(message)
                if (message.object_id, message.opcode) == (1, 1):  # get_registry
                    registry = int.from_bytes(message.body, "little")
                    self.conn.sendall(
                        build(registry, 0, u32(1) + string("wl_seat") + u32(7))
                        + build(registry, 0, u32(2) + string("zwlr_data_control_manager_v1")
                                + u32(2)))
                elif (message.object_id, message.opcode) == (1, 0):  # sync
                    self.conn.sendall(build(int.from_bytes(message.body, "little"), 0, u32(0)))
                    syncs += 1

    def received(self) -> list[Message]:
        self.conn.settimeout(5)
        buffer = bytearray(self.conn.recv(65536))
        return split(buffer)

    def send(self, data: bytes, fds: tuple[int, ...] = ()) -> None:
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        self.conn.sendmsg([data], ancillary)


@pytest.fixture
def paster(tmp_path):
    compositor = Compositor(str(tmp_path / "compositor"))
    paster = Paster(str(tmp_path / "compositor"), MARKER)
    compositor.thread.join(5)
    yield paster, compositor
    paster.close()


def serve(paster: Paster) -> None:
    """Let the paster handle what the compositor sent (waiting for it to arrive)."""
    assert select.select([paster.sock], [], [], 5)[0]
    assert paster.ready()


def test_the_selection_offers_the_marker_and_text_and_is_served(paster):
    paster, compositor = paster
    paster.paste("text ✓".encode())
    sent = compositor.received()
    source = sent[0].body[:4]
    offered = [m.body for m in sent if m.object_id == int.from_bytes(source, "little")]
    assert offered == [string(t) for t in (MARKER, *TEXT_TYPES)]
    assert (sent[-1].opcode, sent[-1].body) == (0, source)  # set_selection(source)
    read_end, write_end = os.pipe()
    compositor.send(build(int.from_bytes(source, "little"), 0, string(TEXT_TYPES[0])),
                    (write_end,))
    os.close(write_end)
    serve(paster)
    with os.fdopen(read_end, "rb") as pipe:
        assert pipe.read() == "text ✓".encode()


def test_a_send_after_cancel_gets_nothing_and_offers_are_destroyed(paster):
    paster, compositor = paster
    paster.paste(b"secret")
    source = int.from_bytes(compositor.received()[0].body, "little")
    compositor.send(build(source, 1, b"") + build(paster.device, 1, u32(OFFER)))
    serve(paster)
    assert paster.text == b"" and paster.source is None
    destroyed = {(m.object_id, m.opcode) for m in compositor.received()}
    assert destroyed == {(source, 1), (OFFER, 1)}
    read_end, write_end = os.pipe()
    compositor.send(build(source, 0, string(TEXT_TYPES[0])), (write_end,))
    os.close(write_end)
    serve(paster)
    with os.fdopen(read_end, "rb") as pipe:
        assert pipe.read() == b""  # closed unwritten: the source is no longer ours
