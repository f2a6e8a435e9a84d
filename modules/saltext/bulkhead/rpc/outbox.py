"""Frames on their way to one guest: a bounded queue and the one thread that writes it.

No thread of the broker ever waits on a guest's socket but this writer, and it waits for each
frame at most ``send_timeout_s`` (non-blocking sends and poll with a deadline): a guest that does
not read is dropped, never waited for. Control frames (RESULT, EXEC, EXIT, CANCEL, ...) are
queued without waiting at all; over ``control_queued`` bytes of them the guest is dropped. Relayed
DATA and EOF of a call wait for room below ``data_queued`` (the back-pressure that slows a sender
down to its receiver), at most ``send_timeout_s`` and only while the call lasts. So at most
``max_queued`` bytes wait for one guest.
"""

from __future__ import annotations

import collections
import select
import socket
import threading
import time
from collections.abc import Callable

from .guest_limits import GuestLimits


class Outbox:
    def __init__(self, sock: socket.socket, name: str, limits: GuestLimits,
                 on_stuck: Callable[[str], None], on_done: Callable[[], None]):
        self._sock = sock
        self._limits = limits
        self._on_stuck = on_stuck  # drops the channel (called without our lock)
        self._on_done = on_done  # the writer no longer uses the socket
        self._frames: collections.deque[tuple[bytes, bool]] = collections.deque()  # (frame, data?)
        self._queued = 0  # bytes in _frames plus the frame being written
        self._data = 0  # of which relayed data
        self._closed = False
        self._cond = threading.Condition()
        threading.Thread(target=self._write_all, name=f"rpc-out-{name}", daemon=True).start()

    @property
    def queued(self) -> int:
        with self._cond:
            return self._queued

    def put(self, frame: bytes) -> bool:
        """Queue ``frame`` without waiting; False when closed, or over the bound (then the guest
        is dropped)."""
        with self._cond:
            if self._closed:
                return False
            if self._queued - self._data + len(frame) <= self._limits.control_queued:
                self._append(frame, False)
                return True
            queued = self._queued
        self._on_stuck(f"{queued} bytes to it not read")
        return False

    def put_when_room(self, frame: bytes, wanted: Callable[[], bool]) -> bool:
        """Queue relayed ``frame`` once there is room, while ``wanted()`` (its call goes on);
        False if it ends first, or no room came within the send timeout (the guest is dropped).
        ``wanted`` is checked under our lock, so a frame never goes after what ``wake`` ended."""
        deadline = time.monotonic() + self._limits.send_timeout_s
        with self._cond:
            while True:
                if self._closed or not wanted():
                    return False
                if self._data + len(frame) <= self._limits.data_queued:
                    self._append(frame, True)
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
        self._on_stuck(f"no room for relayed data within {self._limits.send_timeout_s:g}s")
        return False

    def wake(self) -> None:
        """Whatever ``put_when_room`` waits for may have changed (a call ended)."""
        with self._cond:
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._frames.clear()
            self._cond.notify_all()

    def _append(self, frame: bytes, data: bool) -> None:
        self._frames.append((frame, data))
        self._queued += len(frame)
        self._data += len(frame) if data else 0
        self._cond.notify_all()

    def _write_all(self) -> None:
        try:
            while True:
                with self._cond:
                    while not self._frames and not self._closed:
                        self._cond.wait()
                    if self._closed:
                        return
                    frame, data = self._frames.popleft()
                written = self._write(frame)
                with self._cond:
                    self._queued -= len(frame)
                    self._data -= len(frame) if data else 0
                    self._cond.notify_all()
                if not written:
                    return
        finally:
            with self._cond:
                self._closed = True
                self._frames.clear()
                self._queued = self._data = 0
                self._cond.notify_all()
            self._on_done()

    def _write(self, frame: bytes) -> bool:
        view = memoryview(frame)
        deadline = time.monotonic() + self._limits.send_timeout_s
        poller = select.poll()
        poller.register(self._sock.fileno(), select.POLLOUT)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._on_stuck(f"a frame to it not read within {self._limits.send_timeout_s:g}s")
                return False
            if not poller.poll(remaining * 1000):
                continue
            try:
                sent = self._sock.send(view, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return False  # the channel is gone; its reader reports it
            view = view[sent:]
        return True
