"""The bytes of a relay's sessions: the guest's frames to the session's client, the client's bytes
to the guest, reading nothing of the guest's but the frame lengths (``frames.py``).

The framing state outlives a session: frames read with the last session's end belong to the next.
"""

from __future__ import annotations

import selectors
import socket
import threading

from .frames import END, Frames

CHUNK = 64 * 1024


class SessionCopy:
    def __init__(self) -> None:
        self.frames = Frames()
        self._pending: list[bytes | None] = []  # the next session's frames, read with the last end

    def copy(self, channel: socket.socket, client: socket.socket,
             stopping: threading.Event) -> bool:
        """Until the session ends (True) or the channel closes or breaks the framing (False; a
        FrameError)."""
        if self._to_client(client, []):
            return True
        with selectors.DefaultSelector() as sel:
            sel.register(channel, selectors.EVENT_READ)
            sel.register(client, selectors.EVENT_READ)
            while not stopping.is_set():
                for key, _ in sel.select(timeout=0.5):
                    if key.fileobj is client:
                        data = _received(client)
                        if not data:  # waypipe ended on its own: a fresh one for what follows
                            return True
                        channel.sendall(data)
                        continue
                    data = channel.recv(CHUNK)
                    if not data:
                        return False
                    if self._to_client(client, self.frames.feed(data)):
                        return True
        return False

    def _to_client(self, client: socket.socket, frames: list[bytes | None]) -> bool:
        """Pass the frames read to the client; True at the session's end, or when the client
        ended (the rest kept for the next session's client)."""
        self._pending += frames
        while self._pending:
            item = self._pending.pop(0)
            if item is END:
                return True
            try:
                client.sendall(item)
            except (BrokenPipeError, ConnectionResetError):  # waypipe ended (the filter closed
                return True  # its display): the session's client, not the relay
        return False


def _received(client: socket.socket) -> bytes:
    """The client's next bytes; empty once it ended, however it closed (a waypipe client whose
    display the filter closed resets the connection)."""
    try:
        return client.recv(CHUNK)
    except ConnectionResetError:
        return b""
