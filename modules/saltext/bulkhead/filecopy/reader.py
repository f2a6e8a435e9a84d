"""Exact-size reads from a file-like object or an iterable of byte chunks (pipe, socket, send())."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from .errors import FileCopyError


class ChunkReader:
    def __init__(self, stream: BinaryIO | Iterable[bytes]):
        self._read = getattr(stream, "read", None)
        self._chunks: Iterator[bytes] | None = None if self._read else iter(stream)  # type: ignore[arg-type]
        self._buffer = b""

    def _next(self, size: int) -> bytes:
        try:
            if self._read is not None:
                data = self._read(size)
            else:
                assert self._chunks is not None
                data = next(self._chunks, b"")
        except OSError as exc:
            raise FileCopyError(f"reading the stream failed: {exc}") from None
        if not isinstance(data, (bytes, bytearray)):
            raise FileCopyError("the stream yielded something other than bytes")
        return bytes(data)

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; fewer only at the end of the stream."""
        parts = [self._buffer[:size]]
        have = len(parts[0])
        self._buffer = self._buffer[size:]
        while have < size:
            data = self._next(size - have)
            if not data:
                break
            take, self._buffer = data[: size - have], data[size - have :]
            parts.append(take)
            have += len(take)
        return b"".join(parts)
