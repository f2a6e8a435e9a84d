"""The flock itself: taken per outermost entry, counted per re-entry, forgotten in a forked child.

An ``flock`` on the lock file, so a holder that dies releases it with its last descriptor. Waiting
is bounded; on timeout ``LockTimeout`` names the holder from the file's record (``record.py``).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from typing import NamedTuple

from . import record

DEFAULT_DIR = Path("/run/bulkhead/locks")
DEFAULT_TIMEOUT_S = 300.0
POLL_S = 0.2  # a waiter's retry interval: flock has no timeout of its own
log = logging.getLogger(__name__)


class LockTimeout(TimeoutError):
    """The lock stayed held for the whole wait; the message names the holder."""


class Lease(NamedTuple):  # a tuple: made at every take, where a frozen dataclass costs more
    """``token``: this acquisition's; ``previous``: the last holder's before it (None: none)."""

    token: str
    previous: str | None


def lock_path(lock_dir: Path = DEFAULT_DIR, key: str = "apply") -> Path:
    return Path(lock_dir) / f"{key}.lock"


class _Entry:
    __slots__ = ("thread_lock", "owner", "fd", "depth", "lease", "file")

    def __init__(self, path: Path) -> None:
        self.file = os.fspath(path)  # what is opened at each take, spelled once
        self.thread_lock = threading.Lock()  # held by the owner; other threads wait here
        self.owner: int | None = None  # the holding thread's ident
        self.fd: int | None = None
        self.depth = 0
        self.lease: Lease | None = None


_entries: dict[Path, _Entry] = {}
_entries_lock = threading.Lock()


def _entry(path: Path) -> _Entry:
    entry = _entries.get(path)
    if entry is None:
        with _entries_lock:
            entry = _entries.setdefault(path, _Entry(path))
    return entry


def _forget_after_fork() -> None:
    # The child shares the parent's open file description: closing its copy keeps the parent's
    # lock, and unlocking it would release the parent's. The child starts holding nothing (a
    # ``with`` it leaves that the parent entered unlocks nothing).
    global _entries, _entries_lock
    for entry in _entries.values():
        fd, entry.fd, entry.owner = entry.fd, None, None
        if fd is not None:
            os.close(fd)
    _entries, _entries_lock = {}, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def hold(path: Path, timeout: float = DEFAULT_TIMEOUT_S) -> _Hold:
    """Hold the lock at ``path`` (waiting at most ``timeout`` s); re-entrant in this thread."""
    return _Hold(path if isinstance(path, Path) else Path(path), timeout)


class _Hold:
    """The context manager of ``hold``; its lease is the outermost entry's. An inner entry by
    the holding thread only counts (a state enters three times: keep that nearly free)."""

    __slots__ = ("_path", "_timeout", "_entry")

    def __init__(self, path: Path, timeout: float) -> None:
        self._path, self._timeout = path, timeout

    def __enter__(self) -> Lease:
        entry = self._entry = _entries.get(self._path) or _entry(self._path)
        thread = threading.get_ident()
        if entry.owner == thread:
            entry.depth += 1
            return entry.lease  # type: ignore[return-value]  # set whenever owned
        timeout = self._timeout
        wait = timeout if timeout > 0.0 else 0.0  # max(0.0, timeout), NaN included
        deadline = time.monotonic() + wait
        if not entry.thread_lock.acquire(True, wait):
            raise LockTimeout(f"{self._path} is held by another thread of this process "
                              f"(pid {os.getpid()}); waited {timeout:g}s")
        try:
            entry.fd, entry.lease = _take(self._path, entry.file, deadline, timeout)
        except BaseException:
            entry.thread_lock.release()
            raise
        entry.owner, entry.depth = thread, 1
        return entry.lease

    def __exit__(self, *exc_info: object) -> None:
        entry = self._entry
        entry.depth -= 1
        if entry.depth > 0:
            return
        fd, entry.fd, entry.owner = entry.fd, None, None
        try:
            if fd is not None:  # None: this is a forked child, which holds nothing
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        finally:
            entry.thread_lock.release()


def _take(path: Path, file: str, deadline: float, timeout: float) -> tuple[int, Lease]:
    try:
        fd = os.open(file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:  # the first run since boot (/run is a tmpfs)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LockTimeout(
                        f"another bulkhead run holds {path}: {record.describe(record.read(fd))}; "
                        f"waited {timeout:g}s, nothing was changed"
                    ) from None
                if not waited:
                    log.warning("waiting up to %gs for %s, held by %s", timeout, path,
                                record.describe(record.read(fd)))
                    waited = True
                time.sleep(min(POLL_S, left))
        previous = record.previous_token(fd)
        lease = Lease(record.write(fd), previous)
        return fd, lease
    except BaseException:
        os.close(fd)
        raise


def holder_now(path: Path) -> str | None:
    """Who holds the lock at this instant (never waits, never takes it); None when nobody does."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None  # never taken, or not ours to read
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return record.describe(record.read(fd))
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
