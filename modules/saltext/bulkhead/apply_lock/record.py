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
_own: tuple[str, dict[str, Any]] | None = None  # this process's ``_head``, made at its first take


def _after_fork() -> None:
    global _own
    _tokens.seed()
    _own = None  # a child writes its own pid and command line


os.register_at_fork(after_in_child=_after_fork)
_decoder = json.JSONDecoder()


def write(fd: int) -> str:
    """Write this process's record over the last one; its new token."""
    global _last
    token = f"{_tokens.getrandbits(64):016x}"
    since = _since(int(time.time()))
    head, mine = _own_head()
    encoded = f'{head}, "token": "{token}", "since": "{since}"}}'.encode()
    # One write of a fixed length over the last record (JSON ignores the trailing blanks):
    # truncating first costs a journal commit on some filesystems, once per state.
    fits = len(encoded) <= RECORD_MAX
    raw = encoded.ljust(RECORD_MAX) if fits else encoded[:RECORD_MAX]
    os.pwrite(fd, raw, 0)
    # The next take most often reads this record back: what it says is known without parsing
    # (unless cut at RECORD_MAX, which leaves no record to read), and made a dict only when
    # asked (a take asks for the token only).
    if fits:
        _last = (raw, token, (mine, since))
    else:
        _remember(raw)
    return token


def read(fd: int) -> dict[str, Any]:
    """The record in ``fd``'s file; {} when there is none or it is unreadable."""
    raw = _pread(fd)
    if raw is None:
        return {}
    last = _last  # once: another thread may take the lock meanwhile
    _, token, said = last if raw == last[0] else _remember(raw)
    if isinstance(said, tuple):  # this process's own record: its own part, then when
        mine, since = said
        return {**mine, "token": token, "since": since}
    return dict(said)


def previous_token(fd: int) -> str | None:
    """The token of the record in ``fd``'s file (None: none or unreadable)."""
    raw = _pread(fd)
    if raw is None:
        return None
    last_raw, token, _ = _last
    return token if raw == last_raw else _remember(raw)[1]


# The last record written or read: its bytes, its token, and what it says (parsed, or this
# process's own part and since when).
_last: tuple[bytes, str | None, Any] = (b"", None, {})


def _pread(fd: int) -> bytes | None:
    try:
        return os.pread(fd, RECORD_MAX, 0)
    except OSError:
        return None


def _remember(raw: bytes) -> tuple[bytes, str | None, dict[str, Any]]:
    """A record parsed (another process's, or this one's cut at RECORD_MAX), kept as the last."""
    global _last
    value = _parsed(raw)
    token = value.get("token")
    _last = (raw, token if isinstance(token, str) else None, value)
    return _last


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


def _own_head() -> tuple[str, dict[str, Any]]:
    global _own
    if _own is None:
        _own = _head(os.getpid())
    return _own


def _head(pid: int) -> tuple[str, dict[str, Any]]:
    """The start of process ``pid``'s record up to its token, as JSON text and as a dict: the
    same at every take."""
    mine = {"pid": pid, "command": _command_of(pid)}
    return json.dumps(mine)[:-1], mine


def _command_of(pid: int) -> str:
    """Process ``pid``'s command line (read once per process: the kernel's answer costs more
    than the rest of a take)."""
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
