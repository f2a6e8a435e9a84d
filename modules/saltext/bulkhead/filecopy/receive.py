"""The receiving end: unpack a stream under ``incoming_root/<source>/``, all of it or nothing.

Every file and directory is created relative to an open directory descriptor, with O_NOFOLLOW and
O_EXCL, inside a fresh hidden staging directory (``staging.py``) in the source's directory; no
path is ever resolved through something the transfer did not create itself. Only after the end
marker has been read and checked are the top-level entries moved into place, each under a free
name, all of them or none (``place.py``). Any error removes the staging directory; one that a
killed receiver left is removed by the next receiver when it starts.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from .errors import FileCopyError
from .limits import Limits
from .place import place_all
from .reader import ChunkReader
from .staging import Staging, remove_stale
from .wire import DIR, Header, read_exact, read_header, read_magic

SOURCE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,30}")
CHUNK = 64 * 1024
DEFAULT_LIMITS = Limits()
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class Received:
    entries: int
    bytes: int
    placed: tuple[str, ...]  # the top-level names as placed under incoming_root/<source>/


@dataclass
class _Unpacked:
    top: list[str]
    dir_modes: list[tuple[tuple[str, ...], int]]
    entries: int = 0
    bytes: int = 0


def _open_dir(name: str, dir_fd: int | None) -> int:
    return os.open(name, DIR_FLAGS, dir_fd=dir_fd)


def _walk(base_fd: int, parts: tuple[str, ...]) -> int:
    """An fd of the directory at ``parts`` below base_fd, never following a symlink."""
    fd = os.dup(base_fd)
    for part in parts:
        try:
            child = _open_dir(part, fd)
        finally:
            os.close(fd)
        fd = child
    return fd


def _write_file(parent_fd: int, header: Header, read: ChunkReader) -> None:
    fd = os.open(header.parts[-1], FILE_FLAGS, 0o600, dir_fd=parent_fd)
    try:
        remaining = header.size
        while remaining:
            data = read_exact(read.read, min(remaining, CHUNK))
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            remaining -= len(data)
        os.fchmod(fd, header.mode)
    finally:
        os.close(fd)


def _unpack(read: ChunkReader, tmp_fd: int, limits: Limits) -> _Unpacked:
    read_magic(read.read)
    out = _Unpacked([], [])
    dirs: set[tuple[str, ...]] = set()
    while True:
        header = read_header(read.read, limits)
        if isinstance(header, int):
            if header != out.entries:
                raise FileCopyError(
                    f"end marker counts {header} entries, the stream had {out.entries}"
                )
            if read.read(1):
                raise FileCopyError("data after the end marker")
            return out
        out.entries += 1
        if out.entries > limits.max_entries:
            raise FileCopyError(f"more than {limits.max_entries} entries")
        if len(header.parts) > 1 and header.parts[:-1] not in dirs:
            raise FileCopyError(f"{header.path!r}: its directory was not sent before it")
        if header.size > limits.max_file_bytes:
            raise FileCopyError(
                f"{header.path!r}: {header.size} bytes, over the limit of {limits.max_file_bytes}"
            )
        if out.bytes + header.size > limits.max_total_bytes:
            raise FileCopyError(f"transfer over the limit of {limits.max_total_bytes} bytes")
        out.bytes += header.size
        parent_fd = _walk(tmp_fd, header.parts[:-1])
        try:
            if header.kind == DIR:
                os.mkdir(header.parts[-1], 0o700, dir_fd=parent_fd)
                dirs.add(header.parts)
                out.dir_modes.append((header.parts, header.mode))
            else:
                _write_file(parent_fd, header, read)
        except FileExistsError:
            raise FileCopyError(f"{header.path!r} sent twice") from None
        finally:
            os.close(parent_fd)
        if len(header.parts) == 1:
            out.top.append(header.parts[0])


def _apply_dir_modes(tmp_fd: int, dir_modes: list[tuple[tuple[str, ...], int]]) -> None:
    # Last, and deepest first, so that a read-only directory could still be filled. The owner
    # keeps full access so the receiving user can always move or delete what arrived.
    for parts, mode in sorted(dir_modes, key=lambda item: -len(item[0])):
        fd = _walk(tmp_fd, parts)
        try:
            os.fchmod(fd, mode | 0o700)
        finally:
            os.close(fd)


def _receive_into(read: ChunkReader, source_fd: int, limits: Limits) -> Received:
    remove_stale(source_fd)
    staging = Staging(source_fd)
    try:
        unpacked = _unpack(read, staging.fd, limits)
        _apply_dir_modes(staging.fd, unpacked.dir_modes)
        placed = place_all(staging.fd, unpacked.top, source_fd)
    except BaseException:
        staging.discard()
        raise
    staging.finish()
    return Received(unpacked.entries, unpacked.bytes, placed)


def receive(
    stream: BinaryIO | Iterable[bytes],
    incoming_root: str | os.PathLike[str],
    source_name: str,
    limits: Limits = DEFAULT_LIMITS,
) -> Received:
    """Unpack ``stream`` under ``incoming_root/source_name/``; FileCopyError on any refusal."""
    if not isinstance(source_name, str) or not SOURCE_NAME.fullmatch(source_name):
        raise FileCopyError(f"invalid source domain name {source_name!r}")
    try:
        root_fd = _open_dir(os.fspath(incoming_root), None)
        try:
            with contextlib.suppress(FileExistsError):
                os.mkdir(source_name, 0o700, dir_fd=root_fd)
            source_fd = _open_dir(source_name, root_fd)  # a symlink here fails (ELOOP/ENOTDIR)
            try:
                return _receive_into(ChunkReader(stream), source_fd, limits)
            finally:
                os.close(source_fd)
        finally:
            os.close(root_fd)
    except OSError as exc:
        raise FileCopyError(
            f"receiving into {os.fspath(incoming_root)}/{source_name} failed: {exc}"
        ) from None
