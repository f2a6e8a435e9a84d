"""A host daemon without a service manager: started detached, found again through its pidfile.

Shared by bulkhead-memd (``memd/service.py``) and the RPC broker (``rpc/broker_service.py``),
through the one manager ``daemon_service.py`` (which also holds the drift rule). Everything that
only looks (``running``, ``command_line``) reads files and /proc, so a state's test mode can call
it freely; ``start`` and ``stop`` are what a real run does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

KILL_TIMEOUT_S = 5.0


class DaemonError(OSError):
    """The daemon did not start or stop; the message says why (a failed start: its log's end)."""


Mark = str | tuple[str, ...]
"""An argument a daemon's command line carries, or the spellings it may carry it in (a module
renamed since an older daemon started: the older one is still found, and restarted)."""


@dataclass(frozen=True, slots=True)
class Running:
    """The daemon a pidfile names, as /proc shows it."""

    pid: int
    argv: list[str]
    executable: str | None
    """The file it runs (``/proc/PID/exe``; `` (deleted)`` appended once replaced on disk)."""
    recorded: tuple[str, ...] = ()
    """The pidfile's lines after the pid (bulkhead-memd: the digest of the config it loaded)."""


@dataclass(frozen=True, slots=True)
class DaemonProcess:
    """A daemon whose pidfile's first line is its pid, recognised by its command line.

    A pid alone is not trusted: the process must still carry every one of ``marks`` among its
    arguments (``/proc/PID/cmdline``), or a recycled pid would be taken for the daemon and
    signalled.

    >>> broker = DaemonProcess(
    ...     "the RPC broker", Path("/run/bulkhead/broker.pid"),
    ...     Path("/var/log/bulkhead/broker.log"),
    ...     marks=("saltext.bulkhead.rpc", "--pidfile", "/run/bulkhead/broker.pid"))
    >>> broker.start([sys.executable, "-m", "saltext.bulkhead.rpc", "broker", ...])
    # returns once the pidfile names the new process; else DaemonError with the log's tail
    >>> found = broker.running()  # Running(pid, argv, executable, recorded)
    >>> broker.stop(found.pid)  # SIGTERM, then SIGKILL after stop_timeout
    >>> broker.running() is None
    True
    """

    name: str
    pidfile: Path
    log: Path
    marks: tuple[Mark, ...]
    start_timeout: float = 20.0
    stop_timeout: float = 10.0

    def command_line(self, pid: int) -> list[str] | None:
        """The arguments of process ``pid`` if it is this daemon (None for anything else)."""
        return command_line(pid, self.marks)

    def running(self) -> Running | None:
        """The daemon the pidfile names, if that process still is it."""
        lines = pidfile_lines(self.pidfile)
        if lines is None:
            return None
        pid = int(lines[0])
        args = self.command_line(pid)
        if args is None:
            return None
        return Running(pid, args, executable(pid), tuple(lines[1:]))

    def start(self, argv: list[str]) -> None:
        """Start ``argv`` in a session of its own; return once its pidfile names it."""
        self.log.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        self.pidfile.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd="/",
                start_new_session=True,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            found = self.running()
            if found is not None and found.pid == process.pid:
                return
            if process.poll() is not None:
                raise DaemonError(f"{self.name} did not start: it exited during start-up "
                                  f"(status {process.returncode}); {self._log_ends()}")
            time.sleep(0.05)
        process.kill()
        process.wait()
        raise DaemonError(
            f"{self.name} did not start within {self.start_timeout:g}s; {self._log_ends()}"
        )

    def stop(self, pid: int) -> None:
        """SIGTERM, wait, then SIGKILL; the pid is checked again right before each signal."""
        for sig, wait in ((signal.SIGTERM, self.stop_timeout), (signal.SIGKILL, KILL_TIMEOUT_S)):
            if self.command_line(pid) is None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            deadline = time.monotonic() + wait
            # An exiting process drops its command line before it has ended: wait for both.
            while ((self.command_line(pid) is not None or alive(pid))
                   and time.monotonic() < deadline):
                time.sleep(0.05)
        if self.command_line(pid) is not None:
            raise DaemonError(f"{self.name} (pid {pid}) did not stop")
        # a killed daemon leaves its pidfile; a stale one must not make it look alive to a reader
        lines = pidfile_lines(self.pidfile)
        if lines is not None and int(lines[0]) == pid:
            with contextlib.suppress(FileNotFoundError):
                self.pidfile.unlink()

    def _log_ends(self) -> str:
        return f"{self.log} ends with: {log_tail(self.log)}"


def pidfile_lines(path: Path) -> list[str] | None:
    """The pidfile's lines, the first a pid; None if absent or not a pidfile (empty, hand-made)."""
    try:
        lines = path.read_text().splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return lines if lines and lines[0].isdigit() else None


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def command_line(pid: int, marks: tuple[Mark, ...]) -> list[str] | None:
    """The arguments of live process ``pid`` if every one of ``marks`` is among them."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone, or never existed
        return None
    args = [arg.decode(errors="replace") for arg in raw.rstrip(b"\0").split(b"\0")]
    return args if alive(pid) and all(_carries(args, mark) for mark in marks) else None


def _carries(args: list[str], mark: Mark) -> bool:
    return mark in args if isinstance(mark, str) else any(spelling in args for spelling in mark)


def executable(pid: int) -> str | None:
    """The file process ``pid`` runs (None: gone, or not ours to read)."""
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def log_tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(empty log)"
