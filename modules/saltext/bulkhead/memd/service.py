"""Keep bulkhead-memd configured and running as the pillar says (``bulkhead_memory.managed``).

The configuration file is written atomically; the daemon is kept running by the one daemon
manager (``daemon_service.py``): started in a session of its own, found again through its pidfile
(written once its socket listens, with the digest of the configuration it loaded) and restarted
on drift (another configuration, other arguments, another executable). With ``bulkhead:memory``
absent, a daemon we started is stopped and its configuration removed. Inspection is read-only, so
test mode reports exactly what a real run does (the ``Work`` steps of the virt layer).
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass
from pathlib import Path

from ..atomic_file import write_atomically
from ..daemon_process import DaemonProcess, Running
from ..daemon_service import Unit, Wanted, keep_running, keep_stopped
from ..model import Pillar
from ..reconcile import Outcome, Work
from ..systemd import Systemd
from ..systemd_units import daemon_unit
from .config_file import DEFAULT_CONFIG_FILE, digest
from .pidfile import MODULE, memd_marks
from .shared_config import wanted_config

STOP_TIMEOUT_S = 15.0
START_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class ServicePaths:
    config: Path = DEFAULT_CONFIG_FILE
    pidfile: Path = Path("/run/bulkhead/memd.pid")
    log: Path = Path("/var/log/bulkhead/memd.log")

    def command(self) -> list[str]:
        """The daemon's command line; ``is_memd`` recognises it by the module and config path."""
        return [sys.executable, "-m", MODULE, "daemon", "--config", str(self.config),
                "--pidfile", str(self.pidfile), "--verbose"]

    def process(self) -> DaemonProcess:
        return DaemonProcess("bulkhead-memd", self.pidfile, self.log, memd_marks(self.config),
                             START_TIMEOUT_S, STOP_TIMEOUT_S)


def memd_unit(paths: ServicePaths) -> str:
    """bulkhead-memd's systemd unit: the same command line, in the foreground (it makes its own
    folders: the pidfile's and the socket's)."""
    return daemon_unit("bulkhead-memd: memory balancer of the bulkhead domains", paths.command())


def running_daemon(paths: ServicePaths) -> Running | None:
    """The daemon our pidfile names, if that process is still a bulkhead-memd with our config."""
    return paths.process().running()


def memd_managed(pillar: Pillar, paths: ServicePaths, test: bool = False,
                 systemd: tuple[Systemd, str] | None = None) -> Outcome:
    """Converge the daemon on ``pillar.memory``: configured and running, or stopped and removed.

    ``systemd``: (systemctl, unit name) on a host run by systemd: the daemon runs as that unit."""
    work = Work()
    current = _read(paths.config)
    wanted = wanted_config(current, pillar)  # one daemon per host: every workstation's domains
    if isinstance(wanted, str):
        return Outcome(False, {}, wanted)
    if wanted is None:
        keep_stopped(work, paths.process(), "daemon", systemd)
        if current is not None:
            work.changes["config"] = {"old": str(paths.config), "new": None}
            work.step(f"remove {paths.config}", lambda: paths.config.unlink())
        return work.finish(test, "bulkhead-memd (bulkhead:memory absent)")
    if current != wanted:
        work.changes["config"] = _diff(paths.config, current, wanted)
        work.step(
            f"write {paths.config}", lambda: write_atomically(paths.config, wanted, mode=0o600)
        )
    unit = None if systemd is None else Unit(*systemd, memd_unit(paths))
    keep_running(work, paths.process(), Wanted(paths.command(), digest(wanted)), "daemon",
                 unit=unit)
    return work.finish(test, "bulkhead-memd")


def stop(record: Running, paths: ServicePaths) -> None:
    """SIGTERM, wait, then SIGKILL; the pid is checked again right before each signal."""
    paths.process().stop(record.pid)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _diff(path: Path, old: bytes | None, new: bytes) -> str:
    before = old.decode(errors="replace").splitlines(keepends=True) if old is not None else []
    return "".join(difflib.unified_diff(before, new.decode().splitlines(keepends=True),
                                        str(path) if old is not None else "/dev/null", str(path)))

