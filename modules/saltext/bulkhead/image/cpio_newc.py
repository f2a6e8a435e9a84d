"""Write and read the ``newc`` cpio format the Linux kernel unpacks as an initramfs.

Written in Python rather than with cpio(1) so that the archive can carry device nodes and root
ownership without privileges, and so that it is byte-for-byte reproducible (fixed mtimes and inode
numbers, sorted names).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass

MAGIC = b"070701"
TRAILER = "TRAILER!!!"
FIXED_MTIME = 0


@dataclass(frozen=True)
class Entry:
    """One archive member. ``data`` is file content, or the target for a symlink."""

    name: str
    mode: int
    data: bytes = b""
    rdev_major: int = 0
    rdev_minor: int = 0

    @classmethod
    def directory(cls, name: str, perm: int = 0o755) -> Entry:
        return cls(name, stat.S_IFDIR | perm)

    @classmethod
    def file(cls, name: str, data: bytes, perm: int = 0o644) -> Entry:
        return cls(name, stat.S_IFREG | perm, data)

    @classmethod
    def symlink(cls, name: str, target: str) -> Entry:
        return cls(name, stat.S_IFLNK | 0o777, target.encode())

    @classmethod
    def char_device(cls, name: str, major: int, minor: int, perm: int = 0o600) -> Entry:
        return cls(name, stat.S_IFCHR | perm, b"", major, minor)


def _pad4(length: int) -> bytes:
    return b"\0" * (-length % 4)


def _header(ino: int, entry: Entry, name: bytes) -> bytes:
    fields = (
        ino, entry.mode, 0, 0, 1 if not stat.S_ISDIR(entry.mode) else 2, FIXED_MTIME,
        len(entry.data), 0, 0, entry.rdev_major, entry.rdev_minor, len(name) + 1, 0,
    )
    return MAGIC + b"".join(b"%08X" % value for value in fields)


def write_newc(entries: list[Entry]) -> bytes:
    """Serialize entries (parents before children: we sort by name) plus the trailer."""
    seen: set[str] = set()
    out = bytearray()
    members = sorted(entries, key=lambda e: e.name)
    for ino, entry in enumerate([*members, Entry(TRAILER, 0)], 1):
        if entry.name in seen:
            raise ValueError(f"duplicate initramfs member {entry.name!r}")
        if entry.name.startswith("/") or ".." in entry.name.split("/"):
            raise ValueError(f"initramfs member names must be relative: {entry.name!r}")
        seen.add(entry.name)
        name = entry.name.encode()
        header = _header(ino if entry.name != TRAILER else 0, entry, name)
        out += header + name + b"\0"
        out += _pad4(len(header) + len(name) + 1)
        out += entry.data + _pad4(len(entry.data))
    return bytes(out)


def read_newc(blob: bytes) -> list[Entry]:
    """Parse a newc archive (without the trailer); raises ValueError on anything malformed."""
    entries: list[Entry] = []
    pos = 0
    while True:
        if blob[pos : pos + 6] != MAGIC:
            raise ValueError(f"bad cpio magic at offset {pos}")
        try:
            fields = [int(blob[pos + 6 + 8 * i : pos + 14 + 8 * i], 16) for i in range(13)]
        except ValueError as exc:
            raise ValueError(f"bad cpio header at offset {pos}") from exc
        mode, filesize, rmaj, rmin, namesize = (
            fields[1],
            fields[6],
            fields[9],
            fields[10],
            fields[11],
        )
        name_start = pos + 110
        name = blob[name_start : name_start + namesize - 1].decode()
        data_start = name_start + namesize + (-(110 + namesize) % 4)
        data = blob[data_start : data_start + filesize]
        if len(data) != filesize:
            raise ValueError(f"truncated cpio member {name!r}")
        pos = data_start + filesize + (-filesize % 4)
        if name == TRAILER:
            return entries
        entries.append(Entry(name, mode, data, rmaj, rmin))
