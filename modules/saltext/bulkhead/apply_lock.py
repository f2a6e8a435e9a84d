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
from collections.abc import Callable
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
    __slots__ = ("thread_lock", "owner", "fd", "depth", "lease")

    def __init__(self) -> None:
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
            entry = _entries.setdefault(path, _Entry())
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
        entry = self._entry = _entry(self._path)
        if entry.owner == threading.get_ident():
            entry.depth += 1
            return entry.lease  # type: ignore[return-value]  # set whenever owned
        path, timeout = self._path, self._timeout
        deadline = time.monotonic() + max(0.0, timeout)
        if not entry.thread_lock.acquire(timeout=max(0.0, timeout)):
            raise LockTimeout(f"{path} is held by another thread of this process "
                              f"(pid {os.getpid()}); waited {timeout:g}s")
        try:
            entry.fd, entry.lease = _take(path, deadline, timeout)
        except BaseException:
            entry.thread_lock.release()
            raise
        entry.owner, entry.depth = threading.get_ident(), 1
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


def _take(path: Path, deadline: float, timeout: float) -> tuple[int, Lease]:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:  # the first run since boot (/run is a tmpfs)
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
                    raise LockTimeout(
                        f"another bulkhead run holds {path}: {describe(_record(fd))}; "
                        f"waited {timeout:g}s, nothing was changed"
                    ) from None
                if not waited:
                    log.warning("waiting up to %gs for %s, held by %s", timeout, path,
                                describe(_record(fd)))
                    waited = True
                time.sleep(min(POLL_S, left))
        previous = _record(fd).get("token")
        lease = Lease(secrets.token_hex(8), previous if isinstance(previous, str) else None)
        record = (f'{_own_record_head()}, "token": "{lease.token}", '
                  f'"since": "{time.strftime("%Y-%m-%d %H:%M:%S %z")}"}}')
        # One write of a fixed length over the last record (JSON ignores the trailing blanks):
        # truncating first costs a journal commit on some filesystems, once per state.
        os.pwrite(fd, record.encode()[:RECORD_MAX].ljust(RECORD_MAX), 0)
        return fd, lease
    except BaseException:
        os.close(fd)
        raise


@functools.lru_cache(maxsize=1)
def _command_of(pid: int) -> str:
    """This process's command line, read once per process (a state takes the lock each time,
    and the kernel's answer costs more than the rest of a take)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return " ".join(raw.replace(b"\0", b" ").decode(errors="replace").split())[:1000]


def _own_command() -> str:
    return _command_of(os.getpid())  # by pid: a forked child reads its own


@functools.lru_cache(maxsize=1)
def _record_head(pid: int, command: str) -> str:
    """The start of this process's record, up to its token: the same at every take."""
    return json.dumps({"pid": pid, "command": command})[:-1]


def _own_record_head() -> str:
    return _record_head(os.getpid(), _own_command())


_decoder = json.JSONDecoder()


def _record(fd: int) -> dict[str, Any]:
    try:
        text = os.pread(fd, RECORD_MAX, 0).decode().lstrip() or "{}"
        # The record, then the blanks of the fixed-length write (json.loads would read them
        # through its whitespace pattern, at more than the rest of a take).
        value, end = _decoder.raw_decode(text)
        if end < len(text) and not text[end:].isspace():
            return {}
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
    return hold(_lock_in(str(formula.paths.locks)), float(wait))


@functools.lru_cache(maxsize=16)
def _lock_in(lock_dir: str) -> Path:
    return lock_path(Path(lock_dir))  # once per directory: every state of a run asks


def mutating(reconciler: Callable[..., Any]) -> Callable[..., Any]:
    """A library entry point ``f(conn, pillar, ..., test=...)`` that runs under the pillar's lock,
    unless in test mode (which changes nothing and so never waits)."""
    signature = inspect.signature(reconciler)
    params = list(signature.parameters.values())
    if len(params) < 2 or params[1].kind is not params[1].POSITIONAL_OR_KEYWORD:
        raise TypeError(f"{reconciler.__qualname__}: its second parameter must be the pillar")
    pillar_arg = params[1].name
    # Where ``test`` is, found once (binding every call cost a tenth of a no-op state): None
    # when there is none (always locked), past the end when only a keyword can pass it.
    test_at = _test_index(params)

    @functools.wraps(reconciler)
    def run(*args: Any, **kwargs: Any) -> Any:
        if test_at is not None and (
            args[test_at] if len(args) > test_at else kwargs.get("test", False)
        ):
            return reconciler(*args, **kwargs)
        pillar = args[1] if len(args) > 1 else kwargs.get(pillar_arg, _MISSING)
        if pillar is _MISSING:
            signature.bind(*args, **kwargs)  # raises the TypeError of the missing argument
        with pillar_lock(pillar):
            return reconciler(*args, **kwargs)

    return run


_MISSING = object()


def _test_index(params: list[inspect.Parameter]) -> int | None:
    for index, param in enumerate(params):
        if param.name == "test":
            return index if param.kind is param.POSITIONAL_OR_KEYWORD else len(params)
    return None
