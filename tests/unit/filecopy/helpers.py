"""Building streams by hand (valid and hostile) and looking at what a receive left behind."""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

from saltext.bulkhead.filecopy.wire import DIR, FILE, MAGIC, encode_end, encode_header

REG = stat.S_IFREG | 0o644
DIRMODE = stat.S_IFDIR | 0o755


def stream(*entries: tuple[bytes, str, int, bytes], count: int | None = None) -> bytes:
    """entries: (kind, path, mode, data); a directory's data is empty."""
    body = b"".join(
        encode_header(kind, path, mode, len(data)) + data for kind, path, mode, data in entries
    )
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


BIDI_NOT_LEFT_TO_RIGHT = {"R", "AL", "AN", "RLE", "RLO", "RLI", "LRE", "LRO", "LRI", "FSI", "PDF",
                          "PDI"}


def looks_like_itself(name: str) -> bool:
    """A name shown as what it is: printable (str.isprintable: no control, format, surrogate,
    private-use, unassigned, separator or non-ASCII space), nothing that reorders the text
    around it, nothing that draws over its neighbour."""
    return (name.isprintable()
            and not any(unicodedata.bidirectional(c) in BIDI_NOT_LEFT_TO_RIGHT for c in name)
            and not any(unicodedata.category(c).startswith("M") for c in name))  # combining
