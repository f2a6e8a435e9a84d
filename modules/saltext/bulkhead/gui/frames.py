"""The guest-to-host framing of the GUI channel: session boundaries over a port that never closes.

A virtio-serial port gives the host no end of stream when the guest's program ends, so the guest
(bulkhead-gui) sends each chunk as a 4-byte big-endian length and the bytes, and a length of 0 at
the end of its session; the relay then ends that session's waypipe client and starts a fresh one
for the next. This is the only thing the privileged relay reads of the guest's bytes: a length
over MAX_FRAME breaks the channel (the relay ends; the broker connects again at its next scan).
Host-to-guest bytes are not framed: the guest only reads them during its own session.
"""

from __future__ import annotations

import struct

MAX_FRAME = 64 * 1024
HEADER = struct.Struct(">I")
END = None  # what ``Frames.feed`` yields at a session's end


class FrameError(ValueError):
    """The guest broke the framing."""


def frame(data: bytes) -> bytes:
    """``data`` as one frame (empty: the end of the session)."""
    return HEADER.pack(len(data)) + data


class Frames:
    """Splits the channel's bytes into session data and session ends, keeping at most one frame."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes | None]:
        self._buffer += data
        out: list[bytes | None] = []
        while len(self._buffer) >= HEADER.size:
            (length,) = HEADER.unpack_from(self._buffer)
            if length > MAX_FRAME:
                raise FrameError(f"a frame of {length} bytes (at most {MAX_FRAME})")
            if len(self._buffer) < HEADER.size + length:
                break
            out.append(bytes(self._buffer[HEADER.size:HEADER.size + length]) if length else END)
            del self._buffer[:HEADER.size + length]
        return out
