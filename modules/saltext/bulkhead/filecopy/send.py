"""The sending end: files and directory trees as a file-copy stream (``wire.py``).

Only regular files and directories are sent; a symlink, device, FIFO or socket stops the transfer
with FileCopyError (the receiver would refuse it anyway). Each path is sent under its own base
name. A file that changes size while it is read stops the transfer, since its header already
promised a size.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator

from .errors import FileCopyError
from .limits import Limits
from .wire import DIR, FILE, MAGIC, check_parts, encode_end, encode_header

CHUNK = 64 * 1024


def _file(path: str, rel: str, st: os.stat_result) -> Iterator[bytes]:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileCopyError(f"{path}: not a regular file")
        yield encode_header(FILE, rel, st.st_mode, st.st_size)
        remaining = st.st_size
        while remaining:
            data = os.read(fd, min(CHUNK, remaining))
            if not data:
                raise FileCopyError(f"{path}: shrank while being sent")
            remaining -= len(data)
            yield data
        if os.read(fd, 1):
            raise FileCopyError(f"{path}: grew while being sent")
    finally:
        os.close(fd)


def _entry(path: str, rel: str, sent: list[int]) -> Iterator[bytes]:
    try:
        check_parts(rel.encode("utf-8"), Limits())
    except UnicodeEncodeError:
        raise FileCopyError(f"{path}: name is not valid UTF-8") from None
    st = os.lstat(path)
    sent[0] += 1
    if stat.S_ISREG(st.st_mode):
        yield from _file(path, rel, st)
    elif stat.S_ISDIR(st.st_mode):
        yield encode_header(DIR, rel, st.st_mode, 0)
        for name in sorted(os.listdir(path), key=os.fsencode):
            yield from _entry(os.path.join(path, name), f"{rel}/{name}", sent)
    else:
        raise FileCopyError(f"{path}: only regular files and directories can be sent")


def send(paths: Iterable[str | os.PathLike[str]]) -> Iterator[bytes]:
    """The stream for ``paths`` (each under its base name), as chunks of bytes."""
    yield MAGIC
    sent = [0]  # entries whose header has been produced
    for path in paths:
        text = os.path.normpath(os.fspath(path))
        name = os.path.basename(text)
        if name in ("", ".", "..", "/"):
            raise FileCopyError(f"{path}: has no name to send it under")
        try:
            yield from _entry(text, name, sent)
        except OSError as exc:
            raise FileCopyError(f"{path}: {exc.strerror}") from None
    yield encode_end(sent[0])
