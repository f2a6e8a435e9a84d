"""Install, enable and (re)start a bulkhead unit through systemctl, as ``Work`` steps.

Used by the daemon states when systemd runs the host (``/run/systemd/system`` exists); elsewhere
(this repository's test machines, containers) the states start the daemons directly as before
(``daemon_process.py``). Everything before a step only reads (unit files, ``systemctl
is-enabled``/``show``), so test mode stays read-only and a second apply finds nothing to do.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .atomic_file import write_atomically
from .reconcile import Work

RUN_DIR = Path("/run/systemd/system")
UNIT_DIR = Path("/etc/systemd/system")
SYSTEMCTL_TIMEOUT_S = 120.0  # a start waits for the daemon's READY=1


class SystemdError(OSError):
    """systemctl failed; the message holds what it said."""


@dataclass(frozen=True, slots=True)
class Systemd:
    unit_dir: Path = UNIT_DIR
    systemctl: tuple[str, ...] = ("systemctl",)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([*self.systemctl, *args], capture_output=True, text=True,
                                  timeout=SYSTEMCTL_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SystemdError(f"systemctl {' '.join(args)}: {exc}") from None

    def call(self, *args: str) -> None:
        done = self._run(*args)
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise SystemdError(
                f"systemctl {' '.join(args)} failed ({done.returncode}): {' | '.join(said)}"
            )

    def enabled(self, unit: str) -> bool:
        return self._run("is-enabled", unit).stdout.strip() == "enabled"

    def main_pid(self, unit: str) -> int | None:
        out = self._run("show", "--property=MainPID", "--value", unit).stdout.strip()
        return int(out) if out.isdigit() and out != "0" else None


def systemd_host(run_dir: Path = RUN_DIR) -> Systemd | None:
    """systemd as PID 1 (what sd_booted(3) checks), else None."""
    return Systemd() if run_dir.is_dir() else None


def install_steps(work: Work, systemd: Systemd, unit: str, text: str) -> bool:
    """Steps writing ``unit`` (then daemon-reload) and enabling it; True when its file changes."""
    path = systemd.unit_dir / unit
    try:
        current: bytes | None = path.read_bytes()
    except FileNotFoundError:
        current = None
    changed = current != text.encode()
    if changed:
        work.section("units")[unit] = {
            "old": None if current is None else "outdated",
            "new": str(path),
        }
        work.step(f"write {path}", lambda: _write_unit(path, text))
        work.step("reload systemd", lambda: systemd.call("daemon-reload"))
    if not systemd.enabled(unit):  # a unit not written yet is "not-found": enabled after it is
        work.section("units")[f"{unit} enabled"] = {"old": False, "new": True}
        work.step(f"enable {unit}", lambda: systemd.call("enable", unit))
    return changed


def service_steps(work: Work, systemd: Systemd, unit: str, text: str, running_pid: int | None,
                  outdated: bool, stop_detached: Callable[[], None]) -> None:
    """Steps leaving the daemon of ``unit`` installed, enabled and running its current settings.

    ``running_pid``: the daemon the pidfile names (None: none runs); ``outdated``: it runs an
    older configuration; ``stop_detached`` stops one started without systemd (before units)."""
    changed = install_steps(work, systemd, unit, text)
    restart = lambda: systemd.call("restart", unit)  # noqa: E731 - starts a stopped unit too
    if running_pid is None:
        work.changes["daemon"] = {"old": "stopped", "new": "running"}
        work.step(f"start {unit}", restart)
    elif running_pid != systemd.main_pid(unit):
        work.changes["daemon"] = {"old": "running outside systemd", "new": f"run by {unit}"}
        work.step("stop the daemon started without systemd", stop_detached)
        work.step(f"start {unit}", restart)
    elif changed or outdated:
        work.changes["daemon"] = {"old": "running older settings", "new": "restarted"}
        work.step(f"restart {unit}", restart)


def removal_steps(work: Work, systemd: Systemd, unit: str) -> None:
    """Steps stopping, disabling and removing ``unit`` if bulkhead installed it."""
    path = systemd.unit_dir / unit
    if not path.exists():
        return
    work.section("units")[unit] = {"old": str(path), "new": None}
    work.step(f"stop {unit}", lambda: systemd.call("stop", unit))
    work.step(f"disable {unit}", lambda: systemd.call("disable", unit))
    work.step(f"remove {path}", lambda: _remove(path))
    work.step("reload systemd", lambda: systemd.call("daemon-reload"))


def _write_unit(path: Path, text: str) -> None:
    # systemd reads it as any user (systemctl status); it holds no secret
    write_atomically(path, text.encode(), mode=0o644)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
