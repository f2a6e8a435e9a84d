"""The filter's clipboard control socket: ``bulkhead clipboard copy`` and ``paste`` (root only).

Only root may talk to it (SO_PEERCRED uid 0: the domain's own waypipe client runs as the same
user as the filter and can reach the socket, so the file mode alone is not enough). A request
from root is read whole with a timeout (root is trusted not to stall it for long). ``copy`` asks
the domain's client that owns the domain's latest selection to write it as
text/plain;charset=utf-8 into a pipe: the filter injects ``wl_data_source.send`` into that
client's events (an event on an object the client made: no new id), then reads the pipe in the
relay's loop, at most ``MAX_TEXT`` bytes within ``FETCH_SECONDS``. ``paste`` hands the text to the
``Paster``. The text is never logged.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import time
from collections.abc import Callable

from . import control_wire as wire
from .paste import Paster
from .wire import Violation

FETCH_SECONDS = 5.0
REQUEST_SECONDS = 5.0
ROOT = 0


def peer_uid(conn: socket.socket) -> int:
    _, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    return uid


def read_request(conn: socket.socket) -> tuple[str, bytes]:
    conn.settimeout(REQUEST_SECONDS)
    data = b""
    while True:
        chunk = conn.recv(wire.MAX_TEXT + wire.MAX_HEADER - len(data))
        if not chunk:
            raise wire.ControlError("request cut short")
        data += chunk
        request = wire.parse_request(data)
        if request is not None:
            return request


class Fetch:
    """One copy in progress: the read end of the pipe the domain's client writes into."""

    def __init__(self, conn: socket.socket, fd: int) -> None:
        self.conn, self.fd, self.data = conn, fd, bytearray()
        self.deadline = time.monotonic() + FETCH_SECONDS

    def ready(self) -> bool:
        """Read what is there; True once finished (answered)."""
        try:
            chunk = os.read(self.fd, wire.MAX_TEXT + 1 - len(self.data))
        except BlockingIOError:
            return False
        if chunk:
            self.data += chunk
            if len(self.data) <= wire.MAX_TEXT:
                return False
            return self.finish(wire.error(f"selection over {wire.MAX_TEXT} bytes"))
        try:
            bytes(self.data).decode("utf-8")
        except UnicodeDecodeError:
            return self.finish(wire.error("the selection is not UTF-8 text"))
        if not self.data:
            return self.finish(wire.error("the domain's client wrote no text"))
        return self.finish(wire.ok(bytes(self.data)))

    def finish(self, reply: bytes) -> bool:
        self.conn.settimeout(REQUEST_SECONDS)
        Control.answer(self.conn, reply)
        os.close(self.fd)
        self.data.clear()
        return True


class Control:
    """Accepts root's control connections for one domain's filter (see the module's doc)."""

    def __init__(self, listener: socket.socket, upstream: str, marker: str,
                 unwatch: Callable[[Paster], None]) -> None:
        self.listener, self.upstream, self.marker = listener, upstream, marker
        self.unwatch = unwatch  # the relay stops watching a paste connection that failed
        self.paster: Paster | None = None

    def accept(self, relay) -> tuple[Fetch | Paster | None, str]:
        """Serve one connection; returns what the relay must watch (a copy in progress or a new
        paste connection) and a line for the log (never the text)."""
        try:
            conn, _ = self.listener.accept()
        except BlockingIOError:
            return None, ""
        try:
            if peer_uid(conn) != ROOT:
                conn.close()
                return None, "control connection refused: not root"
            verb, text = read_request(conn)
        except (OSError, wire.ControlError) as exc:
            conn.close()
            return None, f"control request refused: {exc}"
        if verb == "copy":
            return self.copy(conn, relay)
        return self.paste(conn, text)

    def copy(self, conn: socket.socket, relay) -> tuple[Fetch | None, str]:
        owners = [p for p in relay.pairs if p.stream.clipboard.text_selection() is not None]
        if not owners:
            self.answer(conn, wire.error("the domain has no text selection"))
            return None, "copy: no text selection"
        pair = max(owners, key=lambda p: p.stream.clipboard.selected_at)
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(read_end, False)  # the client's end stays blocking, as it expects
        try:
            pair.to_client.push(pair.stream.clipboard.send_text(), [write_end])
        except Violation as exc:  # the outbox holds write_end now: closed with the connection
            os.close(read_end)
            self.answer(conn, wire.error("the domain's client does not read its events"))
            relay.close(pair, str(exc))
            return None, "copy: the client's events are over the bound"
        relay.rearm(pair)  # the relay's loop writes the event when the client can take it
        return Fetch(conn, read_end), "copy: selection requested"

    def paste(self, conn: socket.socket, text: bytes) -> tuple[Paster | None, str]:
        fresh = None
        try:
            if self.paster is None:
                self.paster = fresh = Paster(self.upstream, self.marker)
            self.paster.paste(text)
        except (OSError, Violation) as exc:
            if self.paster is not None and fresh is None:
                self.unwatch(self.paster)
            if self.paster is not None:
                self.paster.close()
            self.paster = None
            self.answer(conn, wire.error(f"cannot set the selection: {exc}"))
            return None, f"paste: {exc}"
        self.answer(conn, wire.ok())
        return fresh, f"paste: selection set ({len(text)} bytes)"

    def forget(self, paster: Paster) -> None:
        if self.paster is paster:
            self.paster = None

    @staticmethod
    def answer(conn: socket.socket, reply: bytes) -> None:
        with contextlib.suppress(OSError):  # the caller gave up
            conn.sendall(reply)
        conn.close()
