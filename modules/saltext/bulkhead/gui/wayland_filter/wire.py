"""The Wayland wire format, as far as the filter reads it: headers, and the arguments of the few
messages it tracks.

A message is an 8-byte header, object id (u32) and ``size << 16 | opcode`` (u32), in the host's
byte order (little-endian here), then its arguments, each padded to 4 bytes. File descriptors are
not in the bytes: they travel as SCM_RIGHTS beside them. ``MAX_MESSAGE`` is libwayland's own bound
(its connection buffer is 4096 bytes), so no honest peer sends a longer message. Everything that
does not fit is a ``Violation``: the filter closes the connection, it never guesses.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAX_MESSAGE = 4096
HEADER = 8
MAX_STRING = 1024  # interface names and MIME types; far above any real one
_HEADER = struct.Struct("<II")
_U32 = struct.Struct("<I")


class Violation(Exception):
    """The peer broke the protocol or the filter's rules: the connection is closed."""


@dataclass(frozen=True)
class Message:
    """One whole message: ``raw`` is its exact bytes (header included)."""

    object_id: int
    opcode: int
    raw: bytes

    @property
    def body(self) -> bytes:
        return self.raw[HEADER:]


def split(buffer: bytearray) -> list[Message]:
    """Remove the whole messages at the start of ``buffer`` and return them; a partial message
    stays in ``buffer``. A header that cannot start a valid message is a ``Violation``."""
    out, offset = [], 0
    while len(buffer) - offset >= HEADER:
        object_id, word = _HEADER.unpack_from(buffer, offset)
        size, opcode = word >> 16, word & 0xFFFF
        if size < HEADER or size % 4 or size > MAX_MESSAGE or object_id == 0:
            raise Violation(f"malformed header (object {object_id}, size {size})")
        if len(buffer) - offset < size:
            break
        out.append(Message(object_id, opcode, bytes(buffer[offset:offset + size])))
        offset += size
    del buffer[:offset]
    if len(buffer) >= MAX_MESSAGE:  # cannot happen after the checks above; fail closed anyway
        raise Violation("partial message over the size bound")
    return out


def build(object_id: int, opcode: int, body: bytes) -> bytes:
    """A message from its parts (``body`` already padded)."""
    size = HEADER + len(body)
    if len(body) % 4 or size > MAX_MESSAGE:
        raise ValueError("bad message body")
    return _HEADER.pack(object_id, size << 16 | opcode) + body


def u32(value: int) -> bytes:
    return _U32.pack(value)


def string(text: str) -> bytes:
    """A string argument: length with its NUL, the bytes, the NUL, padding."""
    data = text.encode() + b"\0"
    return u32(len(data)) + data + b"\0" * (-len(data) % 4)


class Args:
    """Reads a message's arguments in order; every read checks the bounds."""

    def __init__(self, message: Message) -> None:
        self.data, self.offset, self.message = message.body, 0, message

    def uint(self) -> int:
        if self.offset + 4 > len(self.data):
            raise Violation("message shorter than its arguments")
        (value,) = _U32.unpack_from(self.data, self.offset)
        self.offset += 4
        return value

    def string(self, nullable: bool = False) -> str | None:
        length = self.uint()
        if length == 0:
            if nullable:
                return None
            raise Violation("null string where one is required")
        padded = length + (-length % 4)
        if length > MAX_STRING or self.offset + padded > len(self.data):
            raise Violation("string longer than its message or the bound")
        raw = self.data[self.offset:self.offset + length]
        self.offset += padded
        if raw[-1] != 0 or 0 in raw[:-1]:
            raise Violation("string not terminated by its only NUL")
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError:
            raise Violation("string is not UTF-8") from None

    def end(self) -> None:
        """The arguments must fill the message exactly (no trailing bytes in a tracked one)."""
        if self.offset != len(self.data):
            raise Violation("message longer than its arguments")
