"""The host-wide apply lock: one bulkhead run at a time changes libvirt and the host's files.

An ``flock`` on ``<formula:paths:locks>/apply.lock`` (default /run/bulkhead/locks), so a holder
that dies releases it with its last descriptor; the file records who holds it (pid, command
line, since when, a token per acquisition) for the message of whoever waits. Waiting is bounded
(``formula:lock_timeout``, default 300 s); on timeout ``LockTimeout`` names the holder. The lock
is re-entrant within a process (an entry point called under a state's lock does not wait for
itself), other threads of the process wait like other processes, and a forked child holds
nothing. The key ("apply") is where a per-workstation lock will go (docs/architecture.md).
"""

from __future__ import annotations

import fcntl
import functools
import inspect
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_DIR = Path("/run/bulkhead/locks")
DEFAULT_TIMEOUT_S = 300.0
POLL_S = 0.2  # a waiter's retry interval: flock has no timeout of its own
RECORD_MAX = 4096
log = logging.getLogger(__name__)


class LockTimeout(TimeoutError):
    """The lock stayed held for the whole wait; the message names the holder."""


@dataclass(frozen=True)
class Lease:
    """``token``: this acquisition's; ``previous``: the last holder's before it (None: none)."""

    token: str
    previous: str | None


def lock_path(lock_dir: Path = DEFAULT_DIR, key: str = "apply") -> Path:
    return Path(lock_dir) / f"{key}.lock"


class _Entry:
    def __init__(self) -> None:
        self.thread_lock = threading.RLock()  # other threads of this process wait here
        self.fd: int | None = None
        self.depth = 0
        self.lease: Lease | None = None


_entries: dict[Path, _Entry] = {}
_entries_lock = threading.Lock()


def _forget_after_fork() -> None:
    # The child shares the parent's open file description: closing its copy keeps the parent's
    # lock, and unlocking it would release the parent's. The child starts holding nothing.
    global _entries, _entries_lock
    for entry in _entries.values():
        if entry.fd is not None:
            os.close(entry.fd)
    _entries, _entries_lock = {}, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


@contextmanager
def hold(path: Path, timeout: float = DEFAULT_TIMEOUT_S) -> Iterator[Lease]:
    """Hold the lock at ``path`` (waiting at most ``timeout`` s); re-entrant in this thread."""
    path = Path(path)
    deadline = time.monotonic() + max(0.0, timeout)
    with _entries_lock:
        entry = _entries.setdefault(path, _Entry())
    if not entry.thread_lock.acquire(timeout=max(0.0, timeout)):
        raise LockTimeout(f"{path} is held by another thread of this process (pid {os.getpid()}); "
                          f"waited {timeout:g}s")
    try:
        if entry.depth == 0:
            entry.fd, entry.lease = _take(path, deadline, timeout)
        entry.depth += 1
        try:
            yield entry.lease
        finally:
            entry.depth -= 1
            if entry.depth == 0 and entry.fd is not None:
                fcntl.flock(entry.fd, fcntl.LOCK_UN)
                os.close(entry.fd)
                entry.fd = None
    finally:
        entry.thread_lock.release()


def _take(path: Path, deadline: float, timeout: float) -> tuple[int, Lease]:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LockTimeout(f"another bulkhead run holds {path}: {describe(_record(fd))}; "
                                      f"waited {timeout:g}s, nothing was changed") from None
                if not waited:
                    log.warning("waiting up to %gs for %s, held by %s", timeout, path,
                                describe(_record(fd)))
                    waited = True
                time.sleep(min(POLL_S, left))
        previous = _record(fd).get("token")
        lease = Lease(secrets.token_hex(8), previous if isinstance(previous, str) else None)
        record = {"pid": os.getpid(), "command": _own_command(), "token": lease.token,
                  "since": time.strftime("%Y-%m-%d %H:%M:%S %z")}
        # One write of a fixed length over the last record (JSON ignores the trailing blanks):
        # truncating first costs a journal commit on some filesystems, once per state.
        os.pwrite(fd, json.dumps(record).encode()[:RECORD_MAX].ljust(RECORD_MAX), 0)
        return fd, lease
    except BaseException:
        os.close(fd)
        raise


def _own_command() -> str:
    try:
        raw = Path("/proc/self/cmdline").read_bytes()
    except OSError:
        return ""
    return " ".join(raw.replace(b"\0", b" ").decode(errors="replace").split())[:1000]


def _record(fd: int) -> dict[str, Any]:
    try:
        value = json.loads(os.pread(fd, RECORD_MAX, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def describe(record: dict[str, Any]) -> str:
    """Who holds it, for a human: pid, command line, since when (and whether it still lives)."""
    pid = record.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:  # 0, -1: groups, not a pid
        return "a process that left no record (it is taking the lock right now)"
    text = f"pid {pid} ({record.get('command') or '?'}) since {record.get('since') or '?'}"
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # no such pid; a recorded pid past pid_t is none
        text += "; that process has ended, so a process it started holds the file open (fuser)"
    except PermissionError:
        pass
    return text


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
            return describe(_record(fd))
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def pillar_lock(pillar: Any, timeout: float | None = None) -> Any:
    """``hold`` on the pillar's lock (``formula:paths:locks``, ``formula:lock_timeout``)."""
    formula = pillar.formula
    wait = formula.lock_timeout if timeout is None else timeout
    return hold(lock_path(Path(formula.paths.locks)), float(wait))


def mutating(reconciler: Callable[..., Any]) -> Callable[..., Any]:
    """A library entry point ``f(conn, pillar, ..., test=...)`` that runs under the pillar's lock,
    unless in test mode (which changes nothing and so never waits)."""
    signature = inspect.signature(reconciler)
    pillar_arg = list(signature.parameters)[1]

    @functools.wraps(reconciler)
    def run(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs).arguments
        if bound.get("test", False):
            return reconciler(*args, **kwargs)
        with pillar_lock(bound[pillar_arg]):
            return reconciler(*args, **kwargs)

    return run
