"""The hidden directory a transfer is unpacked into, and removing those a killed receiver left.

A transfer is unpacked into ``.incoming-<16 hex digits>`` (mode 0700) inside the source's
directory, the filesystem its entries end up on, so that placing them is a rename. The receiver
holds an exclusive ``flock`` on it for as long as it lives; the kernel drops the lock when the
process ends, however it ends (the guest daemon SIGKILLs a cancelled service). Each receiver,
before it starts, removes every staging directory that nobody holds: what a killed transfer left
is gone at the next one, so a source whose transfers are killed part-way leaves at most one
transfer's worth of bytes (its limits) behind, and only until its next transfer. A live
transfer's staging directory is never touched, whoever starts meanwhile.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil

from .errors import FileCopyError

STAGING_NAME = re.compile(r"\.incoming-[0-9a-f]{16}")
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
ATTEMPTS = 3


def is_staging_name(name: str) -> bool:
    """A name the receiver owns: it never places an entry under such a name (see place.py)."""
    return STAGING_NAME.fullmatch(name) is not None


def _lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _still_named(fd: int, name: str, parent_fd: int) -> bool:
    """Whether ``name`` in parent_fd is still the directory open as ``fd``."""
    try:
        named = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (own.st_dev, own.st_ino)


def remove_stale(parent_fd: int) -> int:
    """Remove the staging directories in ``parent_fd`` that no live receiver holds; how many."""
    removed = 0
    for name in os.listdir(parent_fd):
        if not is_staging_name(name):
            continue
        try:
            fd = os.open(name, DIR_FLAGS, dir_fd=parent_fd)
        except OSError:
            continue  # gone meanwhile, or not a directory (a symlink is never followed)
        try:
            if _lock(fd) and _still_named(fd, name, parent_fd):
                shutil.rmtree(name, dir_fd=parent_fd)  # holding its lock: no receiver owns it
                removed += 1
        finally:
            os.close(fd)
    return removed


class Staging:
    """A fresh staging directory in ``parent_fd``, locked until ``finish`` or ``discard``."""

    def __init__(self, parent_fd: int):
        self.parent_fd = parent_fd
        for _ in range(ATTEMPTS):
            name = f".incoming-{secrets.token_hex(8)}"
            os.mkdir(name, 0o700, dir_fd=parent_fd)
            fd = os.open(name, DIR_FLAGS, dir_fd=parent_fd)
            if _lock(fd) and _still_named(fd, name, parent_fd):
                self.name, self.fd = name, fd
                return
            # Another receiver starting took it for stale between our mkdir and flock and
            # removes it (or has); try a new name.
            os.close(fd)
        raise FileCopyError("could not create a staging directory")

    def finish(self) -> None:
        """The transfer is placed and the directory empty: remove it. Should that fail, the next
        receiver removes it (it is unlocked once this process ends)."""
        with contextlib.suppress(OSError):
            os.rmdir(self.name, dir_fd=self.parent_fd)
        os.close(self.fd)

    def discard(self) -> None:
        """Remove the directory and everything in it."""
        shutil.rmtree(self.name, dir_fd=self.parent_fd, ignore_errors=True)
        os.close(self.fd)
