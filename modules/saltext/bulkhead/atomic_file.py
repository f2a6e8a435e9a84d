"""Replace a host file whole: a reader sees the old content or the new, never a part of either.

The one way bulkhead writes a file it owns on the host (daemon configs and pidfiles, unit files,
caches, the firewall record, policy files, the image manifest). It runs as root in directories a
domain never writes, and still takes no chance with a name planted in advance:

- the parent directory is opened once with O_NOFOLLOW (a symlink there is refused, not followed)
  and every later step works relative to that descriptor, so a swap of a path component in
  between cannot redirect the write;
- the temporary file gets a fresh random name, created with O_EXCL|O_NOFOLLOW: an existing name
  (a symlink planted at a guessed name included) is never opened, another is tried;
- mode and owner are set on the open file before the rename, so the file never appears at its
  name with looser permissions; the file is fsynced before the rename and the directory after it,
  so a crash leaves the old file or the new one;
- on any failure the temporary file is removed and the old file stays as it was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
NAME_TRIES = 16


def write_atomically(path: str | os.PathLike[str], content: bytes, *, mode: int = 0o644,
                     owner: tuple[int, int] | None = None, dir_mode: int = 0o755) -> None:
    """Make ``path`` hold ``content`` with ``mode`` (and ``owner``, a (uid, gid) pair).

    Missing parent directories are created with ``dir_mode``.

    >>> write_atomically(Path("/run/bulkhead/broker.pid"), b"4242\\n", mode=0o600)
    """
    path = Path(path)
    path.parent.mkdir(mode=dir_mode, parents=True, exist_ok=True)
    dir_fd = os.open(path.parent, DIR_FLAGS)
    try:
        _replace_in(dir_fd, path.name, content, mode, owner)
    finally:
        os.close(dir_fd)


def fsync_directory(path: str | os.PathLike[str]) -> None:
    """Make renames and removals in ``path`` durable (a directory's entries are its content)."""
    dir_fd = os.open(path, DIR_FLAGS)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _replace_in(dir_fd: int, name: str, content: bytes, mode: int,
                owner: tuple[int, int] | None) -> None:
    temp, fd = _create_temp(dir_fd, name)
    try:
        try:
            os.fchmod(fd, mode)
            if owner is not None:
                os.fchown(fd, *owner)
            _write_all(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp, dir_fd=dir_fd)
        raise
    os.fsync(dir_fd)


def _create_temp(dir_fd: int, name: str) -> tuple[str, int]:
    for _ in range(NAME_TRIES):
        temp = temp_name(name)
        try:
            return temp, os.open(temp, TEMP_FLAGS, 0o600, dir_fd=dir_fd)
        except FileExistsError:
            continue  # taken (by a concurrent writer, or planted): never opened, try another
    raise FileExistsError(f"no free temporary name for {name} after {NAME_TRIES} tries")


def temp_name(name: str) -> str:
    """A hidden name beside ``name`` that no one can guess in advance."""
    return f".{name}.{secrets.token_hex(8)}.tmp"


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:  # a regular file may take fewer bytes than offered (a size limit, a signal)
        view = view[os.write(fd, view):]
