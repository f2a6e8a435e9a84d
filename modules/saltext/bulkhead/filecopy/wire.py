"""The file-copy stream: a magic line, one header (plus data) per entry, an end marker.

    stream  = MAGIC entry* end
    MAGIC   = b"BHFC1\\n"
    entry   = kind:1 path_len:u16 path:path_len mode:u32 size:u64 data:size
              kind b"F" (regular file) or b"D" (directory, size 0); mode is st_mode (type bits
              included, so a symlink or device encoded as F or D is refused by its mode)
    end     = b"E" count:u32      count = number of entries; nothing may follow

Integers are big-endian. Paths are relative, '/'-separated UTF-8, each name one that
``names.py`` allows; a directory precedes its contents.
Everything here is pure: no I/O besides the read callable handed in.
"""

from __future__ import annotations

import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass

from .errors import FileCopyError
from .limits import Limits
from .names import name_problem

MAGIC = b"BHFC1\n"
FILE, DIR, END = b"F", b"D", b"E"
_PATH_LEN = struct.Struct(">H")
_MODE_SIZE = struct.Struct(">IQ")
_COUNT = struct.Struct(">I")
PERMISSIONS = 0o777  # setuid, setgid and sticky bits are never carried over


@dataclass(frozen=True)
class Header:
    kind: bytes
    parts: tuple[str, ...]
    mode: int
    size: int

    @property
    def path(self) -> str:
        return "/".join(self.parts)


def encode_header(kind: bytes, path: str, mode: int, size: int) -> bytes:
    raw = path.encode("utf-8")
    return kind + _PATH_LEN.pack(len(raw)) + raw + _MODE_SIZE.pack(mode, size)


def encode_end(count: int) -> bytes:
    return END + _COUNT.pack(count)


def check_parts(raw: bytes, limits: Limits) -> tuple[str, ...]:
    """The components of a relative path, or FileCopyError saying why it is refused. Every name
    of a transfer passes through here, and each component through ``name_problem``."""
    if len(raw) > limits.max_path_bytes:
        raise FileCopyError(f"path longer than {limits.max_path_bytes} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FileCopyError("path is not valid UTF-8") from None
    if text.startswith("/"):
        raise FileCopyError(f"absolute path {ascii(text)}")
    parts = tuple(text.split("/"))
    if len(parts) > limits.max_depth:
        raise FileCopyError(f"path deeper than {limits.max_depth} levels")
    for part in parts:
        problem = name_problem(part)
        if problem is not None:  # ascii(): the refusal is shown, so the name is escaped
            raise FileCopyError(f"path {ascii(text)} has {problem}")
    return parts


def read_exact(read: Callable[[int], bytes], size: int) -> bytes:
    data = read(size)
    if len(data) != size:
        raise FileCopyError("stream ended in the middle of an entry")
    return data


def read_magic(read: Callable[[int], bytes]) -> None:
    if read(len(MAGIC)) != MAGIC:
        raise FileCopyError("not a file-copy stream (bad magic)")


def read_header(read: Callable[[int], bytes], limits: Limits) -> Header | int:
    """The next entry's header, or the entry count of the end marker."""
    kind = read_exact(read, 1)
    if kind == END:
        return int(_COUNT.unpack(read_exact(read, _COUNT.size))[0])
    if kind not in (FILE, DIR):
        raise FileCopyError(f"entry type {kind!r} refused (only files and directories)")
    (length,) = _PATH_LEN.unpack(read_exact(read, _PATH_LEN.size))
    parts = check_parts(read_exact(read, length), limits)
    mode, size = _MODE_SIZE.unpack(read_exact(read, _MODE_SIZE.size))
    wanted = stat.S_IFREG if kind == FILE else stat.S_IFDIR
    if stat.S_IFMT(mode) != wanted or mode & ~(stat.S_IFMT(mode) | 0o7777):
        raise FileCopyError(
            f"{'/'.join(parts)!r}: mode {mode:#o} is not a plain "
            f"{'file' if kind == FILE else 'directory'}"
        )
    if kind == DIR and size:
        raise FileCopyError(f"{'/'.join(parts)!r}: a directory with data")
    return Header(kind, parts, mode & PERMISSIONS, size)
