"""Keep bulkhead-memd configured and running as the pillar says (what ``bulkhead_memory.managed`` does).

There is no service manager to lean on, so this is one: the configuration file is written
atomically; the daemon is started detached (``--detach`` returns once its socket listens) and
found again through its pidfile, which also records the digest of the configuration it loaded. A
daemon running an older configuration is restarted; with ``bulkhead:memory`` absent, a daemon we
started is stopped and its configuration removed. Inspection is read-only, so test mode reports
exactly what a real run does (the ``Work`` steps of the virt layer).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..model import Pillar
from ..virt.outcome import Outcome, Work
from .config_file import DEFAULT_CONFIG_FILE, digest, render_config_file
from .pidfile import MODULE, PidRecord, alive, is_memd, read_pidfile

STOP_TIMEOUT_S = 15.0
START_TIMEOUT_S = 30.0


class MemdServiceError(OSError):
    """The daemon did not start or stop; the message carries the end of its log."""


@dataclass(frozen=True, slots=True)
class ServicePaths:
    config: Path = DEFAULT_CONFIG_FILE
    pidfile: Path = Path("/run/bulkhead/memd.pid")
    log: Path = Path("/var/log/bulkhead/memd.log")

    def command(self) -> list[str]:
        """The daemon's command line; ``is_memd`` recognises it by the module and config path."""
        return [sys.executable, "-m", MODULE, "daemon", "--config", str(self.config),
                "--pidfile", str(self.pidfile), "--detach", "--verbose"]


def running_daemon(paths: ServicePaths) -> PidRecord | None:
    """The daemon our pidfile names, if that process is still a bulkhead-memd with our config."""
    record = read_pidfile(paths.pidfile)
    if record is None or not is_memd(record.pid, paths.config):
        return None
    return record


def memd_managed(pillar: Pillar, paths: ServicePaths, test: bool = False) -> Outcome:
    """Converge the daemon on ``pillar.memory``: configured and running, or stopped and removed."""
    work = Work()
    running = running_daemon(paths)
    current = _read(paths.config)
    if pillar.memory is None:
        if running is not None:
            work.changes["daemon"] = {"old": "running", "new": "stopped"}
            work.step("stop bulkhead-memd", lambda: stop(running, paths))
        if current is not None:
            work.changes["config"] = {"old": str(paths.config), "new": None}
            work.step(f"remove {paths.config}", lambda: paths.config.unlink())
        return work.finish(test, "bulkhead-memd (bulkhead:memory absent)")

    wanted = render_config_file(pillar.memory, pillar.host.uri, pillar.domains)
    if current != wanted:
        work.changes["config"] = _diff(paths.config, current, wanted)
        work.step(f"write {paths.config}", lambda: write_atomically(paths.config, wanted))
    if running is None:
        work.changes["daemon"] = {"old": "stopped", "new": "running"}
        work.step("start bulkhead-memd", lambda: start(paths))
    elif running.config_digest != digest(wanted):
        work.changes["daemon"] = {"old": "running an older configuration", "new": "restarted"}
        work.step("stop bulkhead-memd", lambda: stop(running, paths))
        work.step("start bulkhead-memd", lambda: start(paths))
    return work.finish(test, "bulkhead-memd")


def write_atomically(path: Path, content: bytes) -> None:
    """Readers (a starting daemon) see the old file or the new one, never a partial one."""
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.new")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(staging, path)
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def start(paths: ServicePaths) -> None:
    """Start detached; returns once the daemon serves, else raises with the log's last lines."""
    paths.log.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
    with paths.log.open("ab") as log:
        try:
            done = subprocess.run(paths.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                  timeout=START_TIMEOUT_S, check=False, cwd="/")
        except subprocess.TimeoutExpired as error:
            raise MemdServiceError(f"bulkhead-memd did not start within {START_TIMEOUT_S:g}s") from error
    if done.returncode != 0:
        raise MemdServiceError(f"bulkhead-memd did not start (exit {done.returncode}); "
                               f"{paths.log} ends with: {_tail(paths.log)}")


def stop(record: PidRecord, paths: ServicePaths) -> None:
    """SIGTERM, wait, then SIGKILL; the pid is checked again right before each signal."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 5.0)):
        if not is_memd(record.pid, paths.config):
            break
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, sig)
        deadline = time.monotonic() + wait
        while alive(record.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    if alive(record.pid) and is_memd(record.pid, paths.config):
        raise MemdServiceError(f"bulkhead-memd (pid {record.pid}) did not stop")
    # a killed daemon leaves its pidfile; a stale one must not make it look alive to a reader
    with contextlib.suppress(FileNotFoundError):
        if read_pidfile(paths.pidfile) == record:
            paths.pidfile.unlink()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _diff(path: Path, old: bytes | None, new: bytes) -> str:
    before = old.decode(errors="replace").splitlines(keepends=True) if old is not None else []
    return "".join(difflib.unified_diff(before, new.decode().splitlines(keepends=True),
                                        str(path) if old is not None else "/dev/null", str(path)))


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(empty log)"
