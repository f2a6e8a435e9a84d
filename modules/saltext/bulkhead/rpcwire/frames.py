"""The RPC wire framing: ``kind:1 length:u32 payload``, big-endian, with a per-kind size limit.

Every channel (host broker to guest daemon over virtio-serial, guest client to guest daemon over a
unix socket) speaks the same frames. The decoder is incremental and strict: an unknown kind, a
length over that kind's limit or a payload on a kind that takes none is a ``FrameError`` before
any payload byte is buffered, so a hostile peer can never make the other side hold more than one
frame's limit in memory.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass
from enum import Enum

HEADER = struct.Struct(">cI")
MAX_CONTROL = 4096
MAX_DATA = 64 * 1024


class FrameError(Exception):
    """The peer broke the framing; the channel cannot be trusted to be in sync any more."""


class Kind(bytes, Enum):
    HELLO = b"H"  # both ways: the broker greets a channel, the guest daemon answers (JSON)
    CALL = b"C"  # caller -> broker: {"service", "argument", "target"}
    RESULT = b"R"  # broker -> caller: {"decision": "allow", "target"} or {"decision": "deny"}
    EXEC = b"X"  # broker -> target: {"service", "argument", "source"}
    DATA = b"D"  # both ways during a call: raw bytes, 1..MAX_DATA
    EOF = b"E"  # both ways: no more DATA from this side (empty)
    EXIT = b"S"  # target -> broker -> caller: {"rc": 0..255}; ends the call
    CANCEL = b"K"  # broker -> target: the broker ended the call; stop the service (empty)


LIMITS = {Kind.HELLO: MAX_CONTROL, Kind.CALL: MAX_CONTROL, Kind.RESULT: MAX_CONTROL,
          Kind.EXEC: MAX_CONTROL, Kind.DATA: MAX_DATA, Kind.EOF: 0, Kind.EXIT: MAX_CONTROL,
          Kind.CANCEL: 0}
_BY_BYTE = {kind.value: kind for kind in Kind}


@dataclass(frozen=True, slots=True)
class Frame:
    kind: Kind
    payload: bytes = b""


def encode(kind: Kind, payload: bytes = b"") -> bytes:
    if len(payload) > LIMITS[kind] or (kind is Kind.DATA and not payload):
        raise ValueError(f"{kind.name} frame of {len(payload)} bytes is not allowed")
    return HEADER.pack(kind.value, len(payload)) + payload


def data_frames(data: bytes) -> list[bytes]:
    """``data`` as DATA frames of at most MAX_DATA bytes each (none for empty data)."""
    return [encode(Kind.DATA, data[i:i + MAX_DATA]) for i in range(0, len(data), MAX_DATA)]


class Decoder:
    """Feed bytes as they arrive; get back the complete frames, in order."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._want: tuple[Kind, int] | None = None

    @property
    def pending(self) -> int:
        """Bytes received of a frame not yet complete (0 only between frames)."""
        return len(self._buffer) + (HEADER.size if self._want is not None else 0)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames = []
        while True:
            if self._want is None:
                if len(self._buffer) < HEADER.size:
                    return frames
                raw_kind, length = HEADER.unpack_from(self._buffer)
                kind = _BY_BYTE.get(raw_kind)
                if kind is None:
                    raise FrameError(f"unknown frame kind {raw_kind!r}")
                if length > LIMITS[kind]:
                    raise FrameError(f"{kind.name} frame of {length} bytes (limit {LIMITS[kind]})")
                if kind is Kind.DATA and length == 0:
                    raise FrameError("empty DATA frame")
                del self._buffer[:HEADER.size]
                self._want = (kind, length)
            kind, length = self._want
            if len(self._buffer) < length:
                return frames
            frames.append(Frame(kind, bytes(self._buffer[:length])))
            del self._buffer[:length]
            self._want = None


class FrameReader:
    """Blocking reads of whole frames from a socket or a file descriptor."""

    def __init__(self, source: socket.socket | int, chunk: int = MAX_DATA + HEADER.size):
        self._source = source
        self._chunk = chunk
        self._decoder = Decoder()
        self._ready: list[Frame] = []

    def _recv(self) -> bytes:
        if isinstance(self._source, socket.socket):
            return self._source.recv(self._chunk)
        return os.read(self._source, self._chunk)

    def next(self) -> Frame | None:
        """The next frame; None when the peer closed between frames. FrameError when it closed
        in the middle of one or broke the framing."""
        while not self._ready:
            data = self._recv()
            if not data:
                if self._decoder.pending:
                    raise FrameError("connection closed in the middle of a frame")
                return None
            self._ready.extend(self._decoder.feed(data))
        return self._ready.pop(0)
