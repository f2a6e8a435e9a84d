"""Building streams by hand (valid and hostile) and looking at what a receive left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from saltext.bulkhead.filecopy.wire import DIR, FILE, MAGIC, encode_end, encode_header

REG = stat.S_IFREG | 0o644
DIRMODE = stat.S_IFDIR | 0o755


def stream(*entries: tuple[bytes, str, int, bytes], count: int | None = None) -> bytes:
    """entries: (kind, path, mode, data); a directory's data is empty."""
    body = b"".join(encode_header(kind, path, mode, len(data)) + data for kind, path, mode, data in entries)
    return MAGIC + body + encode_end(len(entries) if count is None else count)


def f(path: str, data: bytes = b"x", mode: int = REG) -> tuple[bytes, str, int, bytes]:
    return (FILE, path, mode, data)


def d(path: str, mode: int = DIRMODE) -> tuple[bytes, str, int, bytes]:
    return (DIR, path, mode, b"")


def tree(root: Path) -> dict[str, bytes | str]:
    """Every path below root (symlinks not followed): file contents, 'dir', or 'link -> target'."""
    out: dict[str, bytes | str] = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(base) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = f"link -> {os.readlink(path)}"
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = path.read_bytes()
    return out
