"""The exclusive-mode record: who holds exclusive mode and which domains it paused.

One JSON file (``bulkhead:formula:paths:exclusive``), written whole with ``write_atomically``
before the first pause and removed after the last resume. It outlives a killed holder on
purpose: it is how the next bulkhead command (or the host's boot) knows what to resume. The
holder is a process named by its pid, its start time (``/proc/PID/stat``, so a recycled pid is
not taken for it) and the kernel's boot id (a record from before a reboot has no live holder).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..atomic_file import write_atomically

VERSION = 1
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
MAX_RECORD = 1 << 20  # a record names at most every domain of a host: far below this


class RecordError(ValueError):
    """The record exists but cannot be read as one (bulkhead never writes such a file)."""


@dataclass(frozen=True, slots=True)
class Holder:
    pid: int
    start: int  # the process's start time, clock ticks after boot (/proc/PID/stat field 22)
    boot: str  # /proc/sys/kernel/random/boot_id when it was written


@dataclass(frozen=True, slots=True)
class Paused:
    """A domain exclusive mode paused: its libvirt id tells this run of it from a later one."""

    name: str
    uuid: str
    id: int


@dataclass(frozen=True, slots=True)
class Record:
    holder: Holder
    uri: str
    lock: str  # the apply lock's file: recovery takes it (never beside a new exclusive run)
    workstation: str
    domain: str  # the domain the command runs in
    since: float  # time.time() when it was taken
    paused: tuple[Paused, ...]

    def to_bytes(self) -> bytes:
        body = {"version": VERSION, **asdict(self)}
        return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()


def boot_id() -> str:
    return BOOT_ID.read_text(encoding="ascii").strip()


def start_time(pid: int) -> int | None:
    """The start time of process ``pid``; None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: count from the last ")"
    return int(stat[stat.rindex(")") + 2:].split()[19])


def this_process() -> Holder:
    pid = os.getpid()
    start = start_time(pid)
    assert start is not None  # our own /proc entry
    return Holder(pid, start, boot_id())


def alive(holder: Holder) -> bool:
    """Does the process that wrote the record still run (same boot, same pid and start time)?"""
    return holder.boot == boot_id() and start_time(holder.pid) == holder.start


def _parse(raw: Any) -> Record:
    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        raise RecordError(f"not a version {VERSION} exclusive-mode record")
    try:
        holder = Holder(**raw["holder"])
        paused = tuple(Paused(**entry) for entry in raw["paused"])
        record = Record(holder, raw["uri"], raw["lock"], raw["workstation"], raw["domain"],
                        float(raw["since"]), paused)
    except (KeyError, TypeError) as exc:
        raise RecordError(f"incomplete exclusive-mode record: {exc}") from None
    texts = [record.uri, record.lock, record.workstation, record.domain, holder.boot,
             *(p.name for p in paused), *(p.uuid for p in paused)]
    numbers = [holder.pid, holder.start, *(p.id for p in paused)]
    if not all(type(t) is str for t in texts) or not all(type(n) is int for n in numbers):
        raise RecordError("exclusive-mode record with a field of the wrong type")
    return record


def read(path: Path) -> Record | None:
    """The record at ``path``; None when there is none. RecordError when it is not one."""
    try:
        with open(path, "rb") as file:
            content = file.read(MAX_RECORD + 1)
    except FileNotFoundError:
        return None
    if len(content) > MAX_RECORD:
        raise RecordError(f"{path}: over {MAX_RECORD} bytes")
    try:
        return _parse(json.loads(content))
    except ValueError as exc:
        raise RecordError(f"{path}: {exc}") from None


def write(path: Path, record: Record) -> None:
    write_atomically(path, record.to_bytes(), mode=0o600, dir_mode=0o700)


def remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
