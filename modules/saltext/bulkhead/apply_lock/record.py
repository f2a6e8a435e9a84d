"""The record in the apply lock's file: who holds it (pid, command line, since when) and a token
per acquisition, written by each holder when it takes the lock and read by whoever waits.

Every state of a run takes the lock and so writes a record and reads the previous one: what is
the same at every take (the process's own part of the record, the last record read) is kept.
"""

from __future__ import annotations

import functools
import json
import os
import random
import time
from pathlib import Path
from typing import Any

RECORD_MAX = 4096
# Tokens tell one acquisition from another (nothing is authenticated by them): drawn from a
# generator seeded by the system's randomness once per process (a system call each cost a tenth
# of a take), seeded again in a forked child so that it never repeats its parent's.
_tokens = random.Random()
os.register_at_fork(after_in_child=_tokens.seed)
_decoder = json.JSONDecoder()


def write(fd: int) -> str:
    """Write this process's record over the last one; its new token."""
    global _last
    token = f"{_tokens.getrandbits(64):016x}"
    text = f'{_own_head()}, "token": "{token}", "since": "{_since(int(time.time()))}"}}'
    # One write of a fixed length over the last record (JSON ignores the trailing blanks):
    # truncating first costs a journal commit on some filesystems, once per state.
    raw = text.encode()[:RECORD_MAX].ljust(RECORD_MAX)
    os.pwrite(fd, raw, 0)
    _last = (raw, _parsed(raw))  # the next take most often reads this record back
    return token


def read(fd: int) -> dict[str, Any]:
    """The record in ``fd``'s file; {} when there is none or it is unreadable."""
    return dict(_read(fd))


def previous_token(fd: int) -> str | None:
    """The token of the record in ``fd``'s file (None: none or unreadable)."""
    token = _read(fd).get("token")
    return token if isinstance(token, str) else None


_last: tuple[bytes, dict[str, Any]] = (b"", {})  # the last record written or read, parsed


def _read(fd: int) -> dict[str, Any]:
    """The record in ``fd``'s file, shared with ``_last`` (callers change nothing in it)."""
    global _last
    try:
        raw = os.pread(fd, RECORD_MAX, 0)
    except OSError:
        return {}
    last_raw, last_value = _last
    if raw == last_raw:  # what this process wrote (or read) last: parsed already
        return last_value
    value = _parsed(raw)
    _last = (raw, value)
    return value


def _parsed(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode().lstrip() or "{}"
        # The record, then the blanks of the fixed-length write (json.loads would read them
        # through its whitespace pattern, at more than the rest of a take).
        value, end = _decoder.raw_decode(text)
    except ValueError:
        return {}
    if end < len(text) and not text[end:].isspace():
        return {}
    return value if isinstance(value, dict) else {}


@functools.lru_cache(maxsize=1)
def _since(now: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(now))  # once per second


@functools.lru_cache(maxsize=1)
def _head(pid: int) -> str:
    """The start of process ``pid``'s record, up to its token: the same at every take."""
    return json.dumps({"pid": pid, "command": _command_of(pid)})[:-1]


def _own_head() -> str:
    return _head(os.getpid())  # by pid: a forked child writes its own


@functools.lru_cache(maxsize=1)
def _command_of(pid: int) -> str:
    """This process's command line, read once per process (a state takes the lock each time,
    and the kernel's answer costs more than the rest of a take)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return " ".join(raw.replace(b"\0", b" ").decode(errors="replace").split())[:1000]


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
