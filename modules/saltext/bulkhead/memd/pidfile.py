"""bulkhead-memd's pidfile: which process serves, and the digest of the configuration it loaded.

The daemon writes it once its socket listens, so a pidfile naming a live process means a daemon
that is ready; the digest tells the state whether that daemon runs the configuration on disk.
A pid alone is not trusted: the process must still be a bulkhead-memd started with our config
file, or a recycled pid could make the state signal an unrelated process.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from ..atomic_file import write_atomically
from ..daemon_process import Mark, alive, command_line, pidfile_lines

__all__ = [
    "MODULE",
    "PidRecord",
    "alive",
    "is_memd",
    "read_pidfile",
    "remove_if_ours",
    "write_pidfile",
]

MODULE = "saltext.bulkhead.memd"
"""What the daemon's command line runs (``python -m saltext.bulkhead.memd daemon ...``)."""
FORMER_MODULE = "saltext.bulkhead.memory"
"""What a daemon started before the move to memd/ runs: still found (and restarted on this one)."""


@dataclass(frozen=True, slots=True)
class PidRecord:
    pid: int
    config_digest: str


def write_pidfile(path: Path, pid: int, config_digest: str) -> None:
    """Atomically: a reader sees no file or the whole record, never half of one."""
    write_atomically(path, f"{pid}\n{config_digest}\n".encode())


def read_pidfile(path: Path) -> PidRecord | None:
    lines = pidfile_lines(path)
    if lines is None or len(lines) != 2:
        return None  # not written by us (or truncated by hand): no daemon we can vouch for
    return PidRecord(int(lines[0]), lines[1])


def remove_if_ours(path: Path, pid: int) -> None:
    """At exit; a newer daemon may already have replaced the file, which then stays."""
    record = read_pidfile(path)
    if record is not None and record.pid == pid:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def is_memd(pid: int, config_path: Path) -> bool:
    """A live bulkhead-memd started with ``config_path`` (not a recycled pid)."""
    return command_line(pid, memd_marks(config_path)) is not None


def memd_marks(config_path: Path) -> tuple[Mark, ...]:
    """What a bulkhead-memd command line carries: the module and its config file."""
    return ((MODULE, FORMER_MODULE), str(config_path))
