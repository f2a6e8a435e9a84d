"""Paste: the filter's own connection to the compositor, which sets the domain's selection.

``bulkhead clipboard paste TO`` hands TO's filter the text (after the policy check); the filter
makes it the seat's selection from a data source that offers TO's marker and text types, and
serves every send itself. Only TO's windows accept the offer (their filter sees its marker);
every other domain's filter refuses it. The selection is set through wlr-data-control on the
filter's own connection (a host client: the domain's connections never see that global), because
wl_data_device.set_selection needs a serial from keyboard focus, which the filter's connection
never has. The text is dropped when the compositor cancels the source (another selection).
"""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import time
from collections import deque

from ...untrusted.text import printable
from .outbox import receive
from .wire import Args, Message, Violation, build, split, string, u32

log = logging.getLogger("bulkhead.gui.filter")
DISPLAY, ERROR, DELETE_ID, SYNC, GET_REGISTRY, BIND, DONE = 1, 0, 1, 0, 1, 0, 0
MANAGER, SEAT = "zwlr_data_control_manager_v1", "wl_seat"
CREATE_SOURCE, GET_DEVICE, SET_SELECTION, DESTROY = 0, 1, 0, 1
SOURCE_OFFER, SOURCE_SEND, SOURCE_CANCELLED, DEVICE_SELECTION = 0, 0, 1, 1
TEXT_TYPES = ("text/plain;charset=utf-8", "text/plain", "UTF8_STRING", "STRING", "TEXT")
SERVE_SECONDS, MAX_WRITERS = 5.0, 4


def write_all(fd: int, text: bytes, deadline: float) -> None:
    """Write ``text`` to a reader's pipe until done or ``deadline``; then close it."""
    try:
        os.set_blocking(fd, False)
        view = memoryview(text)
        while view and time.monotonic() < deadline:
            if select.select([], [fd], [], max(0.0, deadline - time.monotonic()))[1]:
                view = view[os.write(fd, view):]
    except OSError:
        pass  # the reader went away: nothing to serve
    finally:
        os.close(fd)


class Paster:
    """The filter's own compositor connection; ``paste`` sets a selection, ``ready`` serves it."""

    def __init__(self, upstream: str, marker: str, timeout: float = 5.0) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(upstream)
        self.marker, self.next_id, self.buffer, self.fds = marker, 2, bytearray(), deque()
        self.source: int | None = None  # the one that is (or is about to be) the selection
        self.sources: set[int] = set()  # every source not yet destroyed
        self.retired: set[int] = set()  # destroyed, until the compositor's delete_id
        self.text = b""
        self.writers = threading.BoundedSemaphore(MAX_WRITERS)
        registry = self.new_id()
        self.send(DISPLAY, GET_REGISTRY, u32(registry))
        found: dict[str, int] = {}
        for event in self.roundtrip():
            if event.object_id == registry and event.opcode == 0:
                args = Args(event)
                name, interface = args.uint(), args.string()
                found.setdefault(interface, name)
        if MANAGER not in found or SEAT not in found:
            self.sock.close()
            raise OSError(f"the compositor offers no {MANAGER}")
        seat = self.bind(registry, found[SEAT], SEAT)
        self.manager = self.bind(registry, found[MANAGER], MANAGER)
        self.device = self.new_id()
        self.send(self.manager, GET_DEVICE, u32(self.device) + u32(seat))
        self.roundtrip()
        self.sock.setblocking(False)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def send(self, object_id: int, opcode: int, body: bytes) -> None:
        self.sock.sendall(build(object_id, opcode, body))

    def bind(self, registry: int, name: int, interface: str) -> int:
        new = self.new_id()
        self.send(registry, BIND, u32(name) + string(interface) + u32(1) + u32(new))
        return new

    def roundtrip(self) -> list[Message]:
        callback, events = self.new_id(), []
        self.send(DISPLAY, SYNC, u32(callback))
        while not any(e.object_id == callback and e.opcode == DONE for e in events):
            got = self.read()
            if got is None:
                raise OSError("the compositor closed the connection")
            events += got
        return events

    def read(self) -> list[Message] | None:
        data, fds = receive(self.sock)
        self.fds.extend(fds)
        if not data:
            return None
        self.buffer += data
        return split(self.buffer)

    def paste(self, text: bytes) -> None:
        """Make ``text`` the seat's selection, offered with the domain's marker."""
        source = self.new_id()
        self.send(self.manager, CREATE_SOURCE, u32(source))
        for mime in (self.marker, *TEXT_TYPES):
            self.send(source, SOURCE_OFFER, string(mime))
        self.send(self.device, SET_SELECTION, u32(source))
        self.sources.add(source)
        self.source, self.text = source, text  # the previous source gets cancelled

    def ready(self) -> bool:
        """Serve what the compositor sent; False once the connection is gone."""
        try:
            got = self.read()
        except BlockingIOError:
            return True
        except (OSError, Violation):
            got = None
        if got is None:
            self.close()
            return False
        try:
            for event in got:
                self.event(event)
        except (OSError, Violation):
            self.close()
            return False
        return True

    def event(self, event: Message) -> None:
        if event.object_id == DISPLAY and event.opcode == ERROR:
            log.warning("paste connection: compositor error %s", printable(event.raw.hex()))
        elif event.object_id == self.device and event.opcode == DEVICE_SELECTION:
            offer = Args(event).uint()
            if offer:  # the filter never reads offers: each is destroyed at once
                self.send(offer, DESTROY, b"")
        elif event.object_id == DISPLAY and event.opcode == DELETE_ID:
            self.retired.discard(Args(event).uint())
        elif event.object_id in self.retired and event.opcode == SOURCE_SEND:
            os.close(self.take_fd())  # sent before the compositor saw our destroy
        elif event.object_id in self.sources and event.opcode == SOURCE_SEND:
            fd = self.take_fd()
            wanted = Args(event).string() in (self.marker, *TEXT_TYPES)
            if event.object_id == self.source and wanted and self.writers.acquire(False):
                threading.Thread(target=self.serve, args=(fd, self.text), daemon=True).start()
            else:  # an old source, another type, or enough writers already
                os.close(fd)
        elif event.object_id in self.sources and event.opcode == SOURCE_CANCELLED:
            self.send(event.object_id, DESTROY, b"")
            self.sources.discard(event.object_id)
            self.retired.add(event.object_id)
            if event.object_id == self.source:
                self.source, self.text = None, b""

    def take_fd(self) -> int:
        if not self.fds:
            raise Violation("send without its file descriptor")
        return self.fds.popleft()

    def serve(self, fd: int, text: bytes) -> None:
        try:
            write_all(fd, text, time.monotonic() + SERVE_SECONDS)
        finally:
            self.writers.release()

    def close(self) -> None:
        self.sock.close()
        while self.fds:
            os.close(self.fds.popleft())
